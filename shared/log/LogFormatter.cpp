#include "log/LogFormatter.h"

namespace aap::log {

QString LogFormatter::levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return QStringLiteral("debug");
    case QtInfoMsg:
        return QStringLiteral("info");
    case QtWarningMsg:
        return QStringLiteral("warning");
    case QtCriticalMsg:
        return QStringLiteral("error");
    case QtFatalMsg:
        return QStringLiteral("fatal");
    }
    return QStringLiteral("info");
}

QString LogFormatter::format(const QDateTime &utcTime, QtMsgType type, const char *category,
                             const QString &message)
{
    QString escaped = message;
    escaped.replace(QLatin1Char('\r'), QLatin1String("\\r")).replace(QLatin1Char('\n'), QLatin1String("\\n"));
    const QLatin1String cat(category != nullptr ? category : "default");
    return utcTime.toString(Qt::ISODateWithMs) % QLatin1String(" level=") % levelName(type) %
           QLatin1String(" cat=") % cat % QLatin1Char(' ') % escaped;
}

} // namespace aap::log
