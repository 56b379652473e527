#include "control/StatusCollector.h"

#include "config/ConfigValues.h"
#include "control/TokenErrorText.h"

#include <QCoreApplication>
#include <QJsonArray>

#include <algorithm>

namespace aap::control {

using namespace Qt::StringLiterals;
using status::TokenStatus;

namespace {

QDateTime toDateTime(Clock::TimePoint point)
{
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(point.time_since_epoch()).count();
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

QJsonValue timeJson(const QDateTime &time)
{
    if (!time.isValid())
        return QJsonValue::Null;
    return time.toUTC().toString(Qt::ISODateWithMs);
}

QString cacheKey(const TokenStatus &status)
{
    return status.identityName + u'\n' + status.audience;
}

QString stateName(TokenStatus::State state)
{
    return TokenStatus::stateName(state);
}

} // namespace

StatusCollector::StatusCollector(Clock &clock, ServiceView view)
    : m_clock(clock), m_view(std::move(view)), m_startedAt(toDateTime(clock.now()))
{}

bool StatusCollector::sample()
{
    const CounterTotals totals = m_view.counters();
    const Sample sample{toDateTime(m_clock.now()), totals.requests, totals.errors};
    const bool countersMoved = m_samples.empty() || m_samples.back().requests != sample.requests ||
                               m_samples.back().errors != sample.errors;
    m_samples.push_back(sample);
    while (m_samples.size() > static_cast<std::size_t>(kHistorySeconds) + 1)
        m_samples.pop_front();
    const bool tokenChanged = recordTokenEvents(m_view.tokens());
    return countersMoved || tokenChanged;
}

bool StatusCollector::recordTokenEvents(const QList<TokenStatus> &statuses)
{
    bool changed = false;
    for (const TokenStatus &status : statuses) {
        const QString key = cacheKey(status);
        const auto previous = m_lastStatus.constFind(key);
        if (previous == m_lastStatus.cend()) {
            m_lastStatus.insert(key, status);
            changed = true;
            if (status.totalSuccesses > 0)
                addEvent(status, u"obtained"_s,
                         u"token obtained, expires %1"_s.arg(status.expiresOn.toString(Qt::ISODate)));
            continue;
        }
        const TokenStatus &before = previous.value();
        if (status == before)
            continue;
        changed = true;
        if (status.totalSuccesses > before.totalSuccesses)
            addEvent(status, u"obtained"_s,
                     u"token obtained, expires %1"_s.arg(status.expiresOn.toString(Qt::ISODate)));
        if (status.totalFailures > before.totalFailures)
            addEvent(status, u"failed"_s,
                     status.lastError ? TokenErrorText::explain(*status.lastError)
                                      : u"token request failed"_s);
        if (status.expiries > before.expiries)
            addEvent(status, u"expired"_s, u"the token expired and no new one came"_s);
        if (status.earlyRefreshes > before.earlyRefreshes)
            addEvent(status, u"refresh_requested"_s,
                     u"the target answered 401: an early refresh was started"_s);
        m_lastStatus.insert(key, status);
    }
    return changed;
}

void StatusCollector::addEvent(const TokenStatus &status, const QString &kind, const QString &text)
{
    m_events.push_back(Event{toDateTime(m_clock.now()), status.identityName, status.audience, kind, text});
    while (m_events.size() > static_cast<std::size_t>(kMaxEvents))
        m_events.pop_front();
}

QJsonObject StatusCollector::status() const
{
    const config::ServiceConfig config = m_view.config();
    const QList<TokenStatus> statuses = m_view.tokens();
    const QDateTime now = toDateTime(m_clock.now());

    QJsonArray routes;
    for (const config::RouteConfig &route : config.routes)
        routes.append(routeJson(route, config, statuses));

    QJsonArray events;
    for (const Event &event : m_events) {
        events.append(QJsonObject{{u"at"_s, timeJson(event.at)},
                                  {u"identity"_s, event.identity},
                                  {u"audience"_s, event.audience},
                                  {u"event"_s, event.kind},
                                  {u"text"_s, event.text}});
    }

    const CounterTotals totals = m_view.counters();
    return QJsonObject{
        {u"service"_s, QJsonObject{{u"version"_s, QCoreApplication::applicationVersion()},
                                   {u"pid"_s, QCoreApplication::applicationPid()},
                                   {u"started_at"_s, timeJson(m_startedAt)},
                                   {u"uptime_s"_s, m_startedAt.secsTo(now)},
                                   {u"now"_s, timeJson(now)}}},
        {u"listener"_s,
         QJsonObject{{u"state"_s, m_view.draining() ? u"draining"_s : u"listening"_s},
                     {u"address"_s, config.listener.address.toString()},
                     {u"port"_s, m_view.port()},
                     {u"active_connections"_s, static_cast<qint64>(totals.activeConnections)}}},
        {u"counters"_s, countersJson()},
        {u"routes"_s, routes},
        {u"events"_s, events},
    };
}

QJsonObject StatusCollector::routeJson(const config::RouteConfig &route, const config::ServiceConfig &config,
                                       const QList<TokenStatus> &statuses) const
{
    QJsonObject identity{{u"name"_s, route.identity}};
    for (const config::IdentityConfig &candidate : config.identities) {
        if (candidate.name != route.identity)
            continue;
        identity.insert(u"kind"_s, config::values::identityKindName(candidate.kind));
        identity.insert(u"client_id"_s, candidate.clientId);
        identity.insert(u"object_id"_s, candidate.objectId);
        identity.insert(u"resource_id"_s, candidate.resourceId);
        identity.insert(u"tenant_id"_s, candidate.tenantId);
    }
    QString targetText = route.target.scheme + u"://"_s + route.target.host;
    if (route.target.port != (route.target.isTls() ? 443 : 80))
        targetText += u':' + QString::number(route.target.port);
    targetText += route.target.basePath;

    QJsonObject json{{u"name"_s, route.name},
                     {u"path_prefix"_s, route.pathPrefix},
                     {u"target"_s, targetText},
                     {u"audience"_s, route.audience}};
    const auto found = std::find_if(statuses.begin(), statuses.end(), [&route](const TokenStatus &status) {
        return status.routes.contains(route.name);
    });
    if (found == statuses.end()) {
        json.insert(u"identity"_s, identity);
        json.insert(u"ready"_s, false);
        json.insert(u"readiness"_s, u"no token cache serves this route"_s);
        return json;
    }
    const TokenStatus &status = *found;
    identity.insert(u"source"_s, status.source);
    json.insert(u"identity"_s, identity);
    json.insert(u"ready"_s, status.hasToken());
    json.insert(u"readiness"_s, status.readinessReason());
    json.insert(u"token"_s, QJsonObject{{u"state"_s, stateName(status.state)},
                                        {u"obtained_at"_s, timeJson(status.obtainedAt)},
                                        {u"expires_on"_s, timeJson(status.expiresOn)},
                                        {u"usable_until"_s, timeJson(status.usableUntil)},
                                        {u"next_refresh"_s, timeJson(status.nextAttempt)},
                                        {u"consecutive_failures"_s, status.consecutiveFailures},
                                        {u"successes"_s, status.totalSuccesses},
                                        {u"failures"_s, status.totalFailures}});
    // The last result is the error when the last attempt failed, else the last success.
    if (status.lastError && status.consecutiveFailures > 0) {
        const status::TokenErrorInfo &error = *status.lastError;
        json.insert(u"last_result"_s, QJsonObject{{u"ok"_s, false},
                                                  {u"at"_s, timeJson(error.at)},
                                                  {u"kind"_s, error.kind},
                                                  {u"http_status"_s, error.httpStatus},
                                                  {u"code"_s, error.code},
                                                  {u"text"_s, TokenErrorText::explain(error)},
                                                  {u"detail"_s, error.summary()}});
    } else if (status.obtainedAt.isValid()) {
        json.insert(u"last_result"_s, QJsonObject{{u"ok"_s, true}, {u"at"_s, timeJson(status.obtainedAt)}});
    }
    return json;
}

QJsonObject StatusCollector::countersJson() const
{
    const CounterTotals totals = m_view.counters();
    double requestRate = 0.0;
    double errorRate = 0.0;
    if (m_samples.size() >= 2) {
        const std::size_t back = std::min<std::size_t>(m_samples.size() - 1, kRateWindowSeconds);
        const Sample &first = m_samples[m_samples.size() - 1 - back];
        const Sample &last = m_samples.back();
        const double seconds = std::max<double>(1.0, static_cast<double>(first.at.msecsTo(last.at)) / 1000.0);
        requestRate = static_cast<double>(last.requests - first.requests) / seconds;
        errorRate = static_cast<double>(last.errors - first.errors) / seconds;
    }
    QJsonArray history;
    for (std::size_t i = 1; i < m_samples.size(); ++i) {
        history.append(QJsonObject{
            {u"at"_s, timeJson(m_samples[i].at)},
            {u"requests"_s, static_cast<qint64>(m_samples[i].requests - m_samples[i - 1].requests)},
            {u"errors"_s, static_cast<qint64>(m_samples[i].errors - m_samples[i - 1].errors)}});
    }
    QJsonObject byKind;
    for (const auto &[kind, count] : totals.errorsByKind) {
        byKind.insert(kind, static_cast<qint64>(count));
    }
    return QJsonObject{{u"requests"_s, static_cast<qint64>(totals.requests)},
                       {u"forwarded"_s, static_cast<qint64>(totals.forwarded)},
                       {u"errors"_s, static_cast<qint64>(totals.errors)},
                       {u"local_replies"_s, static_cast<qint64>(totals.localReplies)},
                       {u"request_rate"_s, requestRate},
                       {u"error_rate"_s, errorRate},
                       {u"rate_window_s"_s, kRateWindowSeconds},
                       {u"errors_by_kind"_s, byKind},
                       {u"history"_s, history}};
}

} // namespace aap::control
