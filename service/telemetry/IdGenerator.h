#pragma once

#include "telemetry/TraceContext.h"

#include <cstdint>

namespace aap::telemetry {

// Random trace and span ids for one thread: xoshiro256** seeded from the system's entropy. Not for
// secrets; ids only need to be unique and unpredictable enough not to collide.
class IdGenerator {
public:
    IdGenerator();

    void fill(TraceId &id) noexcept;
    void fill(SpanId &id) noexcept;

private:
    std::uint64_t next() noexcept;

    std::uint64_t m_state[4]{};
};

} // namespace aap::telemetry
