#pragma once

#include "auth/TokenSnapshot.h"

#include <QObject>

#include <atomic>
#include <memory>
#include <mutex>

namespace aap::auth {

// Holds the current token of one identity+audience. Written only by the refresh scheduler; read by
// every worker thread through a TokenReader, which costs one atomic load per request while the
// token is unchanged.
class TokenStore : public QObject {
    Q_OBJECT

public:
    using QObject::QObject;

    void publish(TokenSnapshot snapshot);
    void clear();

    // Bumped on every publish/clear; readers re-fetch the snapshot only when it changes.
    [[nodiscard]] std::uint64_t generation() const noexcept
    {
        return m_generation.load(std::memory_order_acquire);
    }
    [[nodiscard]] std::shared_ptr<const TokenSnapshot> snapshot() const;

    // The target answered 401: ask the scheduler for an early refresh. Thread-safe; the scheduler
    // rate-limits it.
    void reportUnauthorized();

Q_SIGNALS:
    // Emitted on the store's thread after publish()/clear(); connect with a queued connection.
    void changed();
    void unauthorizedReported();

private:
    mutable std::mutex m_mutex;
    std::shared_ptr<const TokenSnapshot> m_snapshot;
    std::atomic<std::uint64_t> m_generation{0};
};

} // namespace aap::auth
