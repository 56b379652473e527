#include "models/StatusSnapshot.h"

#include <QJsonArray>

namespace aap::configurator {

using namespace Qt::StringLiterals;

namespace {

QDateTime time(const QJsonValue &value)
{
    QDateTime parsed = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    if (!parsed.isValid())
        parsed = QDateTime::fromString(value.toString(), Qt::ISODate);
    return parsed;
}

StatusSnapshot::Result result(const QJsonObject &object)
{
    StatusSnapshot::Result r;
    r.known = !object.isEmpty();
    r.ok = object.value(u"ok"_s).toBool();
    r.at = time(object.value(u"at"_s));
    r.code = object.value(u"code"_s).toString();
    r.httpStatus = object.value(u"http_status"_s).toInt();
    r.text = object.value(u"text"_s).toString();
    return r;
}

} // namespace

StatusSnapshot StatusSnapshot::fromJson(const QJsonObject &status)
{
    StatusSnapshot s;
    const QJsonObject service = status.value(u"service"_s).toObject();
    s.serviceVersion = service.value(u"version"_s).toString();
    s.pid = service.value(u"pid"_s).toInteger();
    s.uptimeSeconds = service.value(u"uptime_s"_s).toInteger();
    const QJsonObject listener = status.value(u"listener"_s).toObject();
    s.listenerState = listener.value(u"state"_s).toString();
    s.listenerAddress = listener.value(u"address"_s).toString();
    s.listenerPort = listener.value(u"port"_s).toInt();
    const QJsonObject counters = status.value(u"counters"_s).toObject();
    s.requests = counters.value(u"requests"_s).toInteger();
    s.errors = counters.value(u"errors"_s).toInteger();
    s.requestRate = counters.value(u"request_rate"_s).toDouble();
    s.errorRate = counters.value(u"error_rate"_s).toDouble();
    for (const QJsonValue entry : counters.value(u"history"_s).toArray()) {
        const QJsonObject second = entry.toObject();
        s.history.append({time(second.value(u"at"_s)), second.value(u"requests"_s).toDouble(),
                          second.value(u"errors"_s).toDouble()});
    }
    for (const QJsonValue entry : status.value(u"routes"_s).toArray()) {
        const QJsonObject object = entry.toObject();
        const QJsonObject identity = object.value(u"identity"_s).toObject();
        const QJsonObject token = object.value(u"token"_s).toObject();
        Route route;
        route.name = object.value(u"name"_s).toString();
        route.pathPrefix = object.value(u"path_prefix"_s).toString();
        route.target = object.value(u"target"_s).toString();
        route.audience = object.value(u"audience"_s).toString();
        route.identityName = identity.value(u"name"_s).toString();
        route.identityKind = identity.value(u"kind"_s).toString();
        for (const QString &key : {u"client_id"_s, u"object_id"_s, u"resource_id"_s}) {
            if (route.identityId.isEmpty())
                route.identityId = identity.value(key).toString();
        }
        route.identitySource = identity.value(u"source"_s).toString();
        route.ready = object.value(u"ready"_s).toBool();
        route.readiness = object.value(u"readiness"_s).toString();
        route.tokenState = token.value(u"state"_s).toString();
        route.expiresOn = time(token.value(u"expires_on"_s));
        route.nextRefresh = time(token.value(u"next_refresh"_s));
        route.consecutiveFailures = token.value(u"consecutive_failures"_s).toInt();
        route.lastResult = result(object.value(u"last_result"_s).toObject());
        s.routes.append(route);
    }
    for (const QJsonValue entry : status.value(u"events"_s).toArray()) {
        const QJsonObject event = entry.toObject();
        s.events.append({time(event.value(u"at"_s)), event.value(u"identity"_s).toString(),
                         event.value(u"audience"_s).toString(), event.value(u"event"_s).toString(),
                         event.value(u"text"_s).toString()});
    }
    return s;
}

} // namespace aap::configurator
