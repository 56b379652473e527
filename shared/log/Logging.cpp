#include "log/Logging.h"

#include "log/LogFormatter.h"

#include <QDateTime>

#include <cstdio>
#include <mutex>

#include <gsl/narrow>

Q_LOGGING_CATEGORY(lcConfig, "aap.config")
Q_LOGGING_CATEGORY(lcApp, "aap.app")
Q_LOGGING_CATEGORY(lcProxy, "aap.proxy")
Q_LOGGING_CATEGORY(lcHttp, "aap.http")
Q_LOGGING_CATEGORY(lcUpstream, "aap.upstream")
Q_LOGGING_CATEGORY(lcAuth, "aap.auth")
Q_LOGGING_CATEGORY(lcHealth, "aap.health")
Q_LOGGING_CATEGORY(lcIpc, "aap.ipc")
Q_LOGGING_CATEGORY(lcPlatform, "aap.platform")
Q_LOGGING_CATEGORY(lcTelemetry, "aap.telemetry")

namespace aap::log {

namespace {

std::mutex &lineMutex()
{
    static std::mutex mutex;
    return mutex;
}

LineSink &lineSink()
{
    static LineSink sink;
    return sink;
}

void writeLine(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QString text =
        LogFormatter::format(QDateTime::currentDateTimeUtc(), type, context.category, message);
    const QByteArray line = text.toUtf8() + '\n';
    const std::lock_guard lock(lineMutex());
    std::fwrite(line.constData(), 1, gsl::narrow<std::size_t>(line.size()), stderr);
    std::fflush(stderr);
    if (lineSink())
        lineSink()(type, text);
}

} // namespace

void install()
{
    qInstallMessageHandler(&writeLine);
}

void setLineSink(LineSink sink)
{
    const std::lock_guard lock(lineMutex());
    lineSink() = std::move(sink);
}

void setLevel(config::LogLevel level)
{
    QString rules = QStringLiteral("aap.*.debug=false\n");
    switch (level) {
    case config::LogLevel::Debug:
        rules = QStringLiteral("aap.*.debug=true\n");
        break;
    case config::LogLevel::Info:
        break;
    case config::LogLevel::Warning:
        rules += QStringLiteral("aap.*.info=false\n");
        break;
    case config::LogLevel::Error:
        rules += QStringLiteral("aap.*.info=false\naap.*.warning=false\n");
        break;
    }
    QLoggingCategory::setFilterRules(rules);
}

} // namespace aap::log
