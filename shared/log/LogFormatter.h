#pragma once

#include <QDateTime>
#include <QString>
#include <QtGlobal>

namespace aap::log {

// Formats one event as a single line: ISO-8601 UTC time, level, category, then the message, which
// callers write as `event key=value ...`. Embedded newlines are escaped so one event stays one line.
class LogFormatter {
public:
    [[nodiscard]] static QString format(const QDateTime &utcTime, QtMsgType type, const char *category,
                                        const QString &message);
    [[nodiscard]] static QString levelName(QtMsgType type);
};

} // namespace aap::log
