#pragma once

#include "core/Clock.h"

#include <QByteArray>
#include <QList>

#include <atomic>

namespace aap::auth {
class TokenStore;
}

namespace aap::health {

// Decides /ready: the listener is up, the service is not draining, and every route's store holds
// a usable token. Thread-safe: every worker consults it; only /ready requests pay for the check.
class ReadinessProbe {
public:
    struct Route {
        QByteArray name;
        const auth::TokenStore *store = nullptr;
    };

    ReadinessProbe(const Clock &clock, QList<Route> routes);

    void setListening(bool listening) noexcept { m_listening.store(listening, std::memory_order_release); }
    void setDraining(bool draining) noexcept { m_draining.store(draining, std::memory_order_release); }

    // Empty when ready, else a reason for the operator (never a token).
    [[nodiscard]] QByteArray notReadyReason() const;

    // The complete JSON body for /ready and whether it means 200.
    struct Answer {
        bool ready = false;
        QByteArray body;
    };
    [[nodiscard]] Answer answer() const;

private:
    const Clock &m_clock;
    QList<Route> m_routes;
    std::atomic<bool> m_listening{false};
    std::atomic<bool> m_draining{false};
};

} // namespace aap::health
