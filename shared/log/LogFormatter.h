#pragma once

#include <QDateTime>
#include <QString>
#include <QtGlobal>

namespace aap::log {

// Formats one event as a single logfmt line:
//   time=2026-11-28T14:05:06.789Z level=info cat=aap.app msg="service started" port=8081
// Callers write messages as `event words key=value ...` (see LogField); the trailing key=value
// tokens become the fields and the words before them msg. Line breaks are escaped so one event
// stays one line.
class LogFormatter {
public:
    [[nodiscard]] static QString format(const QDateTime &utcTime, QtMsgType type, const char *category,
                                        const QString &message);
    [[nodiscard]] static QString levelName(QtMsgType type);
};

} // namespace aap::log
