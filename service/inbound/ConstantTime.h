#pragma once

#include <QByteArrayView>

namespace aap::inbound {

// Comparison whose running time does not depend on where two values first differ, so an attacker
// who measures response times learns nothing about a secret key byte by byte.
class ConstantTime {
public:
    // True when both views hold the same bytes. The time depends only on the sizes (every byte of
    // the longer view is visited); callers compare fixed-size digests so not even the length of a
    // key leaks.
    [[nodiscard]] static bool equals(QByteArrayView a, QByteArrayView b) noexcept;
};

} // namespace aap::inbound
