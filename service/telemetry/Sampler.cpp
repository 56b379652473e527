#include "telemetry/Sampler.h"

#include <algorithm>
#include <cmath>

namespace aap::telemetry {

using config::TracesSampler;

namespace {

// A NaN would make the conversion to an integer undefined: it samples nothing.
std::uint64_t boundOf(double ratio)
{
    return std::isnan(ratio) ? 0 : static_cast<std::uint64_t>(std::ldexp(std::clamp(ratio, 0.0, 1.0), 63));
}

} // namespace

Sampler::Sampler(TracesSampler kind, double ratio) : m_kind(kind), m_bound(boundOf(ratio)) {}

bool Sampler::rootDecision(const TraceId &traceId) const
{
    switch (m_kind) {
    case TracesSampler::AlwaysOff:
    case TracesSampler::ParentBasedAlwaysOff:
        return false;
    case TracesSampler::TraceIdRatio:
    case TracesSampler::ParentBasedTraceIdRatio: {
        // The low 8 bytes of the trace id are random (W3C level 2), so every service sampling by
        // the same ratio keeps the same traces.
        std::uint64_t low = 0;
        for (std::size_t i = 8; i < 16; ++i) {
            low = (low << 8) | traceId[i];
        }
        return (low >> 1) < m_bound;
    }
    default:
        return true;
    }
}

bool Sampler::shouldSample(const std::optional<TraceContext> &parent, const TraceId &traceId) const
{
    const bool parentBased = m_kind == TracesSampler::ParentBasedAlwaysOn ||
                             m_kind == TracesSampler::ParentBasedAlwaysOff ||
                             m_kind == TracesSampler::ParentBasedTraceIdRatio;
    if (parentBased && parent) {
        return parent->sampled;
    }
    return rootDecision(traceId);
}

} // namespace aap::telemetry
