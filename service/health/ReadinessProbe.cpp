#include "health/ReadinessProbe.h"

#include "auth/TokenStore.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace aap::health {

ReadinessProbe::ReadinessProbe(const Clock &clock, QList<Route> routes)
    : m_clock(clock), m_routes(std::move(routes))
{}

QByteArray ReadinessProbe::notReadyReason() const
{
    if (m_draining.load(std::memory_order_acquire)) {
        return QByteArrayLiteral("shutting down");
    }
    if (!m_listening.load(std::memory_order_acquire)) {
        return QByteArrayLiteral("listener not started");
    }
    const auto now = m_clock.now();
    for (const auto &route : m_routes) {
        const auto snapshot = route.store->snapshot();
        if (!snapshot) {
            return QByteArrayLiteral("no token yet for route ") + route.name;
        }
        if (now >= snapshot->usableUntil) {
            return QByteArrayLiteral("token expired for route ") + route.name;
        }
    }
    return {};
}

ReadinessProbe::Answer ReadinessProbe::answer() const
{
    const QByteArray reason = notReadyReason();
    if (reason.isEmpty()) {
        return {true, QByteArrayLiteral(R"({"status":"ready"})")};
    }
    QJsonObject object;
    object.insert(QStringLiteral("status"), QStringLiteral("not_ready"));
    object.insert(QStringLiteral("reason"), QString::fromUtf8(reason));
    return {false, QJsonDocument(object).toJson(QJsonDocument::Compact)};
}

} // namespace aap::health
