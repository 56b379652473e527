#include "platform/SignalHandler.h"

#include "log/LogField.h"
#include "log/Logging.h"

#include <QSocketNotifier>

#ifdef Q_OS_UNIX
#include <array>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>
#endif

namespace aap::platform {

#ifdef Q_OS_UNIX
namespace {

// Written by the async-signal handler, read by the event loop; a process-wide resource by nature.
std::array<int, 2> g_pipe{-1, -1};

constexpr std::array kHandledSignals{SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};

extern "C" void onSignal(int signalNumber)
{
    const int savedErrno = errno;
    const auto byte = static_cast<unsigned char>(signalNumber);
    // Nothing else is async-signal-safe here; a full pipe just drops a duplicate signal.
    [[maybe_unused]] const auto written = ::write(g_pipe[1], &byte, 1);
    errno = savedErrno;
}

} // namespace
#endif

SignalHandler::SignalHandler(QObject *parent) : QObject(parent) {}

SignalHandler::~SignalHandler()
{
#ifdef Q_OS_UNIX
    if (m_installed) {
        for (const int signalNumber : kHandledSignals) {
            ::signal(signalNumber, SIG_DFL);
        }
        delete m_notifier;
        ::close(g_pipe[0]);
        ::close(g_pipe[1]);
        g_pipe = {-1, -1};
    }
#endif
}

bool SignalHandler::install()
{
#ifdef Q_OS_UNIX
    if (m_installed) {
        return true;
    }
    if (::pipe2(g_pipe.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
        qCWarning(lcPlatform).noquote() << "signal pipe failed" << log::LogField::kv("errno", errno);
        return false;
    }
    m_notifier = new QSocketNotifier(g_pipe[0], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &SignalHandler::onReadable);
    struct sigaction action {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (const int signalNumber : kHandledSignals) {
        ::sigaction(signalNumber, &action, nullptr);
    }
    m_installed = true;
    return true;
#else
    qCWarning(lcPlatform).noquote() << "signal handling not available on this platform";
    return false;
#endif
}

void SignalHandler::onReadable()
{
#ifdef Q_OS_UNIX
    unsigned char byte = 0;
    while (::read(g_pipe[0], &byte, 1) == 1) {
        const int signalNumber = byte;
        if (signalNumber == SIGHUP) {
            qCInfo(lcPlatform).noquote() << "reload requested" << log::LogField::kv("signal", signalNumber);
            Q_EMIT reloadRequested();
        } else if (signalNumber == SIGUSR1 || signalNumber == SIGUSR2) {
            // Logs go to stderr (the journal), so there is no log file to reopen.
            qCInfo(lcPlatform).noquote() << "signal ignored" << log::LogField::kv("signal", signalNumber);
        } else {
            qCInfo(lcPlatform).noquote()
                << "termination requested" << log::LogField::kv("signal", signalNumber);
            Q_EMIT terminationRequested(signalNumber);
        }
    }
#endif
}

} // namespace aap::platform
