#include "emulation/Emulator.h"
#include "emulation/EmulatorOptions.h"

#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace {

int g_signalPipe[2] = {-1, -1};

extern "C" void onSignal(int /*signal*/)
{
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(g_signalPipe[1], &byte, 1);
}

} // namespace

// aad-auth-proxy-emulator: a development tool (docs/emulator.md). Runs until SIGINT/SIGTERM.
int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("aad-auth-proxy-emulator"));
    const auto options = aap::emulator::EmulatorOptions::parse(QCoreApplication::arguments().mid(1));
    if (!options) {
        std::fprintf(stderr, "%s\n", qPrintable(options.error()));
        return 2;
    }
    aap::emulator::Emulator emulator(*options);
    if (const auto started = emulator.start(); !started) {
        std::fprintf(stderr, "aad-auth-proxy-emulator: %s\n", qPrintable(started.error()));
        return 1;
    }
    // Quit through the event loop so the destructors remove the listening sockets cleanly.
    if (::pipe(g_signalPipe) != 0)
        return 1;
    QSocketNotifier notifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [] { QCoreApplication::quit(); });
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::fprintf(stderr, "aad-auth-proxy-emulator: development tool, ready; endpoints in %s/emulator.env\n",
                 qPrintable(options->stateDirectory));
    return QCoreApplication::exec();
}
