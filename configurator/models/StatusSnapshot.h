#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace aap::configurator {

// One status answer or push of the control protocol (docs/control-protocol.md, "status") as plain
// values for the status page. Missing fields stay empty/invalid: a newer or older service may send
// fewer or more of them.
struct StatusSnapshot {
    struct Result {
        bool known = false;
        bool ok = false;
        QDateTime at;
        QString code; // "invalid_client", "timeout", ...
        int httpStatus = 0;
        QString text; // plain words
    };
    struct Route {
        QString name;
        QString pathPrefix;
        QString target;
        QString audience;
        QString identityName;
        QString identityKind;
        QString identityId; // client id, object id or resource id, whichever is set
        QString identitySource;
        bool ready = false;
        QString readiness; // why not ready
        QString tokenState;
        QDateTime expiresOn;
        QDateTime nextRefresh;
        int consecutiveFailures = 0;
        Result lastResult;
    };
    struct Event {
        QDateTime at;
        QString identity;
        QString audience;
        QString event;
        QString text;
    };
    struct Second {
        QDateTime at;
        double requests = 0;
        double errors = 0;
    };

    QString serviceVersion;
    qint64 pid = 0;
    qint64 uptimeSeconds = 0;
    QString listenerState;
    QString listenerAddress;
    int listenerPort = 0;
    qint64 requests = 0;
    qint64 errors = 0;
    double requestRate = 0;
    double errorRate = 0;
    QList<Second> history; // oldest first
    QList<Route> routes;
    QList<Event> events; // oldest first

    [[nodiscard]] static StatusSnapshot fromJson(const QJsonObject &status);
};

} // namespace aap::configurator
