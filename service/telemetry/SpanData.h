#pragma once

#include "telemetry/FixedText.h"
#include "telemetry/TraceContext.h"

#include <QByteArray>
#include <QList>

#include <cstdint>
#include <variant>

namespace aap::telemetry {

enum class SpanKind : std::uint8_t { Internal = 1, Server = 2, Client = 3 };
enum class SpanStatus : std::uint8_t { Unset = 0, Ok = 1, Error = 2 };

// One proxied exchange as a worker hands it to the exporter: the server span, and the client span
// of the upstream call when there was one. Fixed size, so it lives in a queue slot.
struct ExchangeRecord {
    static constexpr qsizetype kTraceStateBytes = 128;

    TraceId traceId{};
    SpanId serverSpanId{};
    SpanId clientSpanId{};
    SpanId parentSpanId{}; // the caller's span from traceparent; zero when the trace started here
    std::int64_t startNanos = 0;
    std::int64_t upstreamStartNanos = 0; // 0: the request never reached the upstream stage
    std::int64_t endNanos = 0;
    int statusCode = 0;         // what the client got; 0: no response (connection cut)
    int upstreamStatusCode = 0; // what the target answered; 0: no answer
    std::uint16_t serverPort = 0;
    FixedText<16> method;
    FixedText<32> route;
    FixedText<160> path;
    FixedText<64> serverAddress;
    FixedText<48> peerAddress;
    FixedText<128> userAgent;
    FixedText<32> errorType;
    FixedText<kTraceStateBytes> traceState;
};

// A span as the exporter encodes it.
struct SpanData {
    using Value = std::variant<QByteArray, std::int64_t, bool>;
    struct Attribute {
        QByteArray key;
        Value value;
    };

    TraceId traceId{};
    SpanId spanId{};
    SpanId parentSpanId{}; // zero: a root span
    QByteArray traceState;
    QByteArray name;
    SpanKind kind = SpanKind::Internal;
    std::int64_t startNanos = 0;
    std::int64_t endNanos = 0;
    SpanStatus status = SpanStatus::Unset;
    QByteArray statusMessage;
    QList<Attribute> attributes;
};

} // namespace aap::telemetry
