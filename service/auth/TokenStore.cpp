#include "auth/TokenStore.h"

#include <QMetaObject>

namespace aap::auth {

void TokenStore::publish(TokenSnapshot snapshot)
{
    auto next = std::make_shared<const TokenSnapshot>(std::move(snapshot));
    {
        const std::lock_guard lock(m_mutex);
        m_snapshot = std::move(next);
        m_everPublished.store(true, std::memory_order_release);
        m_generation.fetch_add(1, std::memory_order_acq_rel);
    }
    Q_EMIT changed();
}

void TokenStore::clear()
{
    {
        const std::lock_guard lock(m_mutex);
        m_snapshot.reset();
        m_generation.fetch_add(1, std::memory_order_acq_rel);
    }
    Q_EMIT changed();
}

std::shared_ptr<const TokenSnapshot> TokenStore::snapshot() const
{
    const std::lock_guard lock(m_mutex);
    return m_snapshot;
}

void TokenStore::reportUnauthorized()
{
    m_unauthorizedReports.fetch_add(1, std::memory_order_relaxed);
    if (m_unauthorizedPending.exchange(true, std::memory_order_acq_rel)) {
        return;
    }
    // Workers call this from their own threads; the signal must reach the scheduler on ours.
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_unauthorizedPending.store(false, std::memory_order_release);
            Q_EMIT unauthorizedReported();
        },
        Qt::QueuedConnection);
}

status::TokenStatus TokenStore::status() const
{
    const std::lock_guard lock(m_statusMutex);
    return m_status;
}

void TokenStore::setStatus(status::TokenStatus status)
{
    {
        const std::lock_guard lock(m_statusMutex);
        m_status = std::move(status);
    }
    Q_EMIT statusChanged();
}

} // namespace aap::auth
