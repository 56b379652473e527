#pragma once

#include "control/ServiceView.h"
#include "core/Clock.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>

#include <deque>

namespace aap::control {

// Builds the control protocol's status payload (docs/control-protocol.md) and its history: once a
// second sample() records the counters (for the recent rates and the chart) and turns changes of
// the token statuses into token events (obtained, failed, expired, refresh requested).
class StatusCollector {
public:
    static constexpr int kMaxEvents = 50;
    static constexpr int kHistorySeconds = 60;
    static constexpr int kRateWindowSeconds = 10;

    StatusCollector(Clock &clock, ServiceView view);

    // Records one sample; true when a push is due: a token event or readiness change happened, or
    // a counter moved since the previous sample.
    bool sample();
    [[nodiscard]] QJsonObject status() const;

private:
    struct Sample {
        QDateTime at;
        std::uint64_t requests = 0;
        std::uint64_t errors = 0;
    };
    struct Event {
        QDateTime at;
        QString identity;
        QString audience;
        QString kind;
        QString text;
    };

    bool recordTokenEvents(const QList<status::TokenStatus> &statuses);
    void addEvent(const status::TokenStatus &status, const QString &kind, const QString &text);
    [[nodiscard]] QJsonObject routeJson(const config::RouteConfig &route, const config::ServiceConfig &config,
                                        const QList<status::TokenStatus> &statuses) const;
    [[nodiscard]] QJsonObject countersJson() const;

    Clock &m_clock;
    ServiceView m_view;
    QDateTime m_startedAt;
    std::deque<Sample> m_samples;
    std::deque<Event> m_events;
    QHash<QString, status::TokenStatus> m_lastStatus; // by identity + audience
};

} // namespace aap::control
