#pragma once

#include <QByteArrayView>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace aap::telemetry {

// Text of bounded length stored inline: span attributes are copied into queue slots without
// allocating. Longer values are cut at N bytes.
template <std::size_t N> class FixedText {
public:
    void assign(QByteArrayView text) noexcept
    {
        m_size = static_cast<std::uint16_t>(std::min<std::size_t>(static_cast<std::size_t>(text.size()), N));
        if (m_size > 0) {
            std::memcpy(m_data.data(), text.data(), m_size);
        }
    }
    [[nodiscard]] QByteArrayView view() const noexcept { return {m_data.data(), m_size}; }
    [[nodiscard]] bool isEmpty() const noexcept { return m_size == 0; }

private:
    std::array<char, N> m_data{};
    std::uint16_t m_size = 0;
};

} // namespace aap::telemetry
