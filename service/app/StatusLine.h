#pragma once

#include "status/TokenStatus.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace aap::app {

// The one-line STATUS= text the service manager shows (`systemctl status`): whether the service
// serves, and if not, what it waits for. Never carries a token.
class StatusLine {
public:
    // "ready: 2 routes on 127.0.0.1:8081, token valid 52 min" or "waiting for the first token: ...".
    // The shortest remaining validity of all caches is shown; the first cache without a token wins.
    [[nodiscard]] static QString describe(int routes, const QString &listener,
                                          const QList<status::TokenStatus> &tokens, const QDateTime &now);
};

} // namespace aap::app
