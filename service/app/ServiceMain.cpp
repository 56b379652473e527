#include "app/ServiceMain.h"

#include "app/CommandLine.h"
#include "app/ConfigReader.h"
#include "app/ServiceRunner.h"
#include "config/ConfigLoader.h"
#include "config/ConfigPrinter.h"
#include "core/SystemClock.h"
#include "diagnose/Diagnosis.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "platform/DescriptorLimit.h"

#ifdef Q_OS_WIN
#include "app/windows/WindowsServiceHost.h"
#endif

#include <QCoreApplication>
#include <QProcessEnvironment>

#include <cstdio>
#include <optional>

#include <gsl/narrow>

namespace aap::app {

using namespace Qt::StringLiterals;

namespace {

constexpr int kExitInvalidConfig = 2;
constexpr int kExitStartFailed = 1;

void write(FILE *stream, const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, gsl::narrow<std::size_t>(bytes.size()), stream);
    std::fflush(stream);
}

void writeIssues(const config::ConfigIssues &issues)
{
    for (const config::ConfigIssue &issue : issues)
        write(stderr, issue.toString() + u"\n"_s);
}

} // namespace

int ServiceMain::run(int argc, char *argv[], ServiceRunner::TransportFactory exportTransport)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"aad-auth-proxy"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(AAP_VERSION));
    log::install();
#ifdef Q_OS_WIN
    if (const auto exitCode = WindowsServiceHost::runSubcommand(QCoreApplication::arguments()))
        return *exitCode;
#endif

    // 1. Command line.
    CommandLine commandLine;
    auto options = commandLine.parse(QCoreApplication::arguments());
    if (!options) {
        write(stderr, u"aad-auth-proxy: "_s + options.error() + u"\nTry 'aad-auth-proxy --help'.\n"_s);
        return kExitInvalidConfig;
    }
    if (options->showHelp) {
        write(stdout, commandLine.helpText());
        return 0;
    }
    if (options->showVersion) {
        write(stdout, u"aad-auth-proxy "_s + QCoreApplication::applicationVersion() + u"\n"_s);
        return 0;
    }

    // 2. Configuration: defaults < file < environment < flags, then validation.
    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    // LOG_LEVEL applies to the loading itself, before the configuration is known.
    const bool debug =
        environment.value(u"LOG_LEVEL"_s).trimmed().compare(u"debug"_s, Qt::CaseInsensitive) == 0;
    log::setLevel(debug ? config::LogLevel::Debug : config::LogLevel::Info);
    config::ConfigSources sources;
    sources.configFlag = options->configPath;
    sources.defaultConfigPath = config::ConfigLoader::defaultConfigPath(environment);
    sources.environment = environment;
    sources.flags = options->settings;
    ConfigReader reader(std::move(sources));
    config::LoadedConfig loaded = reader.read();

    if (options->checkConfig) {
        write(stdout, config::ConfigPrinter::print(loaded));
        writeIssues(loaded.issues);
        return loaded.hasErrors() ? kExitInvalidConfig : 0;
    }
    if (options->diagnose) {
        // The same sources as the service; steps print on stdout, logs stay on stderr.
        const bool configValid = !loaded.hasErrors();
        SystemClock clock;
        diagnose::Diagnosis diagnosis(clock, loaded, environment);
        std::optional<int> exitCode;
        diagnosis.run([&exitCode, configValid](const diagnose::DiagnosisReport &report) {
            write(stdout, report.toText());
            exitCode = report.passed() ? 0 : (configValid ? kExitStartFailed : kExitInvalidConfig);
            QCoreApplication::exit(*exitCode);
        });
        if (!exitCode)
            QCoreApplication::exec();
        return exitCode.value_or(kExitStartFailed);
    }
    if (loaded.hasErrors()) {
        writeIssues(loaded.issues);
        write(stderr, u"aad-auth-proxy: the configuration is not valid; nothing was started\n"_s);
        return kExitInvalidConfig;
    }

    log::setLevel(loaded.config.logLevel);
    for (const config::ConfigIssue &issue : std::as_const(loaded.issues))
        qCWarning(lcConfig).noquote() << issue.toString();
    qCInfo(lcApp).noquote() << "config loaded"
                            << log::LogField::kv("file",
                                                 loaded.filePath.isEmpty() ? u"none"_s : loaded.filePath)
                            << log::LogField::kv("routes", loaded.config.routes.size())
                            << log::LogField::kv("identities", loaded.config.identities.size());

    // 3. The service: listener first, then token refresh; runs until SIGTERM/SIGINT, reloads on SIGHUP
    // from the same sources.
    platform::DescriptorLimit::raiseToHard();
    ServiceRunner runner(std::move(reader), std::move(loaded.config), loaded.filePath,
                         std::move(exportTransport));
    QObject::connect(&runner, &ServiceRunner::finished, &app, &QCoreApplication::exit, Qt::QueuedConnection);
#ifdef Q_OS_WIN
    // Started by the SCM: its controls stop and reload the runner, and its state follows ours.
    // From a console this finds no SCM and the program runs in the foreground.
    WindowsServiceHost windowsService;
    windowsService.connect();
    windowsService.attach(runner);
#endif
    if (auto started = runner.start(); !started) {
        qCCritical(lcApp).noquote() << "start failed" << started.error();
#ifdef Q_OS_WIN
        windowsService.reportStopped(kExitStartFailed);
#endif
        return kExitStartFailed;
    }
#ifdef Q_OS_WIN
    windowsService.reportRunning();
    const int exitCode = QCoreApplication::exec();
    windowsService.reportStopped(exitCode);
    return exitCode;
#else
    return QCoreApplication::exec();
#endif
}

} // namespace aap::app
