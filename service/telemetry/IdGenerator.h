#pragma once

#include "telemetry/TraceContext.h"

#include <cstdint>
#include <cstring>

namespace aap::telemetry {

// Random trace and span ids for one thread: splitmix64 from a seed out of the system's entropy.
// Not for secrets; ids only need to be unique and unpredictable enough not to collide. Its output
// is a bijection of a counter, so one generator repeats no 64-bit value for 2^64 calls. Inline: every
// proxied request takes three or four ids, and the calls cost as much as the arithmetic.
class IdGenerator {
public:
    IdGenerator();

    void fill(TraceId &id) noexcept
    {
        std::uint64_t parts[2] = {next(), next()};
        if (parts[0] == 0 && parts[1] == 0) {
            parts[1] = 1; // all-zero ids are invalid
        }
        std::memcpy(id.data(), parts, sizeof parts);
    }

    void fill(SpanId &id) noexcept
    {
        std::uint64_t part = next();
        if (part == 0) {
            part = 1;
        }
        std::memcpy(id.data(), &part, sizeof part);
    }

private:
    std::uint64_t next() noexcept
    {
        m_state += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = m_state;
        z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31U);
    }

    std::uint64_t m_state = 0;
};

} // namespace aap::telemetry
