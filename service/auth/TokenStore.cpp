#include "auth/TokenStore.h"

#include <QMetaObject>

namespace aap::auth {

void TokenStore::publish(TokenSnapshot snapshot)
{
    auto next = std::make_shared<const TokenSnapshot>(std::move(snapshot));
    {
        const std::lock_guard lock(m_mutex);
        m_snapshot = std::move(next);
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
    // Workers call this from their own threads; the signal must reach the scheduler on ours.
    QMetaObject::invokeMethod(this, &TokenStore::unauthorizedReported, Qt::QueuedConnection);
}

} // namespace aap::auth
