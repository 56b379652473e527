#pragma once

#include "auth/TokenStore.h"

#include <chrono>

namespace aap::auth {

// One per worker thread and store: caches the snapshot and re-reads it only when the store's
// generation changes, so the data path takes no lock.
class TokenReader {
public:
    explicit TokenReader(const TokenStore &store) : m_store(&store) {}

    // The token to send, or nullptr when none is held or it is past its usable time.
    [[nodiscard]] const TokenSnapshot *current(std::chrono::system_clock::time_point now)
    {
        const auto generation = m_store->generation();
        if (generation != m_generation) {
            m_snapshot = m_store->snapshot();
            m_generation = generation;
        }
        if (!m_snapshot || now >= m_snapshot->usableUntil) {
            return nullptr;
        }
        return m_snapshot.get();
    }

private:
    const TokenStore *m_store;
    std::uint64_t m_generation = ~std::uint64_t{0};
    std::shared_ptr<const TokenSnapshot> m_snapshot;
};

} // namespace aap::auth
