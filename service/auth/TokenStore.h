#pragma once

#include "auth/TokenSnapshot.h"
#include "status/TokenStatus.h"

#include <QObject>

#include <atomic>
#include <memory>
#include <mutex>

namespace aap::auth {

// Holds the current token of one identity+audience and its status. Written only by the refresh
// scheduler; read by every worker thread through a TokenReader, which costs one atomic load per
// request while the token is unchanged.
//
// A refresh never delays a request: the old snapshot stays published until the new one replaces
// it in one step. snapshot() takes a mutex, but a reader calls it only once per change (i.e. once
// an hour); a lock-free variant (atomic<shared_ptr> is not lock-free in libstdc++ 12, and an RCU
// scheme needs reclamation) would add risk for no measurable gain.
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
    // A token was published at least once (clear() does not undo it): only before the first token
    // do requests wait for one; after that a missing token is answered at once.
    [[nodiscard]] bool hasEverPublished() const noexcept
    {
        return m_everPublished.load(std::memory_order_acquire);
    }

    // The target answered 401: ask the scheduler for an early refresh. Thread-safe and cheap: while
    // one report is queued to the store's thread, further ones only bump the counter, so a burst of
    // 401s from every worker posts one event.
    void reportUnauthorized();
    // Every report ever made, including coalesced ones.
    [[nodiscard]] std::uint64_t unauthorizedReports() const noexcept
    {
        return m_unauthorizedReports.load(std::memory_order_relaxed);
    }

    // A copy of the current status (never the token); thread-safe.
    [[nodiscard]] status::TokenStatus status() const;
    // Called by the scheduler; emits statusChanged().
    void setStatus(status::TokenStatus status);

Q_SIGNALS:
    // Emitted on the store's thread after publish()/clear(). Requests waiting for a first token
    // (LimitsConfig::tokenWaitTimeout) connect to it from their worker threads: Qt's automatic
    // connection queues it to them, and they then read the store through their TokenReader.
    void changed();
    // Delivered on the store's thread (queued from reportUnauthorized()).
    void unauthorizedReported();
    // Emitted on the store's thread after setStatus().
    void statusChanged();

private:
    mutable std::mutex m_mutex;
    std::shared_ptr<const TokenSnapshot> m_snapshot;
    std::atomic<std::uint64_t> m_generation{0};
    std::atomic<bool> m_everPublished{false};
    std::atomic<std::uint64_t> m_unauthorizedReports{0};
    std::atomic<bool> m_unauthorizedPending{false};
    mutable std::mutex m_statusMutex;
    status::TokenStatus m_status;
};

} // namespace aap::auth
