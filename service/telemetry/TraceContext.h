#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <array>
#include <cstdint>
#include <optional>

namespace aap::telemetry {

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

// A W3C Trace Context (https://www.w3.org/TR/trace-context/) as it arrives in `traceparent`, or
// as this proxy sends it on.
struct TraceContext {
    static constexpr std::size_t kTraceparentLength = 55; // version 00
    using TraceparentText = std::array<char, kTraceparentLength>;

    TraceId traceId{};
    SpanId spanId{};
    bool sampled = false;

    // Parses a traceparent value. Version 00 must be exactly 55 characters; later versions may
    // append fields, which are ignored. ff, upper-case hex and all-zero ids are invalid.
    [[nodiscard]] static std::optional<TraceContext> parse(QByteArrayView value);
    // "00-<trace id>-<span id>-<flags>", always version 00. Written into a fixed array: it runs
    // for every proxied request, where a QByteArray's resize cost as much as the text.
    void writeTraceparent(TraceparentText &out) const noexcept;
    [[nodiscard]] QByteArray traceparent() const;
    // The longest leading part of a tracestate value of at most maxBytes and 32 list-members that
    // ends between members: the W3C rule for shortening drops whole members from the end, so a
    // value cut to fit is still valid.
    [[nodiscard]] static QByteArrayView truncatedTraceState(QByteArrayView value, qsizetype maxBytes);

    [[nodiscard]] static QByteArray hex(const std::uint8_t *bytes, std::size_t size);
    [[nodiscard]] static bool isZero(const std::uint8_t *bytes, std::size_t size);
};

} // namespace aap::telemetry
