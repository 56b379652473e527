#include "inbound/ConstantTime.h"

#include <algorithm>
#include <cstdint>

namespace aap::inbound {

bool ConstantTime::equals(QByteArrayView a, QByteArrayView b) noexcept
{
    // Every byte is folded into one accumulator with no branch on the data; a size difference is
    // folded in too, and the shorter view is read as zeros past its end.
    auto difference = static_cast<std::uint64_t>(a.size() ^ b.size());
    const qsizetype length = std::max(a.size(), b.size());
    for (qsizetype i = 0; i < length; ++i) {
        const auto x = static_cast<std::uint8_t>(i < a.size() ? a[i] : 0);
        const auto y = static_cast<std::uint8_t>(i < b.size() ? b[i] : 0);
        difference |= static_cast<std::uint64_t>(x ^ y);
    }
    // Read through volatile so the compiler cannot turn the loop into an early-exit memcmp.
    volatile std::uint64_t result = difference;
    return result == 0;
}

} // namespace aap::inbound
