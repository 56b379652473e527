#pragma once

#include "config/ServiceConfig.h"
#include "telemetry/TraceContext.h"

#include <optional>

namespace aap::telemetry {

// OTEL_TRACES_SAMPLER's decision for a new server span: the parent-based samplers follow the
// caller's sampled flag, the others (and parent-based ones for a root span) decide by themselves.
class Sampler {
public:
    Sampler(config::TracesSampler kind, double ratio);

    [[nodiscard]] bool shouldSample(const std::optional<TraceContext> &parent, const TraceId &traceId) const;

private:
    [[nodiscard]] bool rootDecision(const TraceId &traceId) const;

    config::TracesSampler m_kind;
    std::uint64_t m_bound; // trace-id ratio: sample when the id's low 63 bits are below this
};

} // namespace aap::telemetry
