#include "telemetry/IdGenerator.h"

#include <QRandomGenerator>

#include <bit>
#include <cstring>

namespace aap::telemetry {

IdGenerator::IdGenerator()
{
    do {
        QRandomGenerator::system()->fillRange(m_state);
    } while (m_state[0] == 0 && m_state[1] == 0 && m_state[2] == 0 && m_state[3] == 0);
}

std::uint64_t IdGenerator::next() noexcept
{
    const std::uint64_t result = std::rotl(m_state[1] * 5, 7) * 9;
    const std::uint64_t t = m_state[1] << 17;
    m_state[2] ^= m_state[0];
    m_state[3] ^= m_state[1];
    m_state[1] ^= m_state[2];
    m_state[0] ^= m_state[3];
    m_state[2] ^= t;
    m_state[3] = std::rotl(m_state[3], 45);
    return result;
}

void IdGenerator::fill(TraceId &id) noexcept
{
    std::uint64_t parts[2] = {next(), next()};
    if (parts[0] == 0 && parts[1] == 0) {
        parts[1] = 1; // all-zero ids are invalid
    }
    std::memcpy(id.data(), parts, sizeof parts);
}

void IdGenerator::fill(SpanId &id) noexcept
{
    std::uint64_t part = next();
    if (part == 0) {
        part = 1;
    }
    std::memcpy(id.data(), &part, sizeof part);
}

} // namespace aap::telemetry
