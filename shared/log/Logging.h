#pragma once

#include "config/ServiceConfig.h"

#include <QLoggingCategory>

#include <functional>

// One category per area; filter with LOG_LEVEL or QT_LOGGING_RULES.
Q_DECLARE_LOGGING_CATEGORY(lcConfig)
Q_DECLARE_LOGGING_CATEGORY(lcApp)
Q_DECLARE_LOGGING_CATEGORY(lcProxy)
Q_DECLARE_LOGGING_CATEGORY(lcHttp)
Q_DECLARE_LOGGING_CATEGORY(lcUpstream)
Q_DECLARE_LOGGING_CATEGORY(lcAuth)
Q_DECLARE_LOGGING_CATEGORY(lcHealth)
Q_DECLARE_LOGGING_CATEGORY(lcIpc)
Q_DECLARE_LOGGING_CATEGORY(lcPlatform)
Q_DECLARE_LOGGING_CATEGORY(lcTelemetry)

namespace aap::log {

// Routes Qt's messages to stderr as one formatted line each (see LogFormatter).
void install();
// Also hands each formatted line (without its newline) to sink: the Windows Event Log when the
// service control manager runs the program. An empty sink stops that. Lines are delivered one at a
// time, from the thread that logs.
using LineSink = std::function<void(QtMsgType type, const QString &line)>;
void setLineSink(LineSink sink);
// Applies the minimum level to every aap.* category.
void setLevel(config::LogLevel level);

} // namespace aap::log
