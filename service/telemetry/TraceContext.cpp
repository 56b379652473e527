#include "telemetry/TraceContext.h"

#include <algorithm>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace aap::telemetry {

namespace {

constexpr auto kVersion00Length = static_cast<qsizetype>(TraceContext::kTraceparentLength);
constexpr int kMaxTraceStateMembers = 32;
constexpr char kHexDigits[] = "0123456789abcdef";

#ifdef __SSE2__
// The hex digits of the 8 bytes in the low half of `bytes` (or all 16 of them) in one or two 16-byte
// stores: nibbles split and interleaved high first, then '0' added and, where a nibble is above 9,
// the gap to 'a'. A request's traceparent has 24 bytes to write; a table lookup per byte took five
// times as many instructions.
__m128i hexDigits(__m128i nibbles)
{
    const __m128i letters =
        _mm_and_si128(_mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9)), _mm_set1_epi8('a' - '0' - 10));
    return _mm_add_epi8(_mm_add_epi8(nibbles, _mm_set1_epi8('0')), letters);
}

void writeHexBlock(char *out, __m128i bytes, bool sixteen)
{
    const __m128i mask = _mm_set1_epi8(0x0f);
    const __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
    const __m128i low = _mm_and_si128(bytes, mask);
    _mm_storeu_si128(reinterpret_cast<__m128i *>(out), hexDigits(_mm_unpacklo_epi8(high, low)));
    if (sixteen) {
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out + 16), hexDigits(_mm_unpackhi_epi8(high, low)));
    }
}
#endif

int hexValue(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1; // upper case is invalid in traceparent
}

bool decodeHex(QByteArrayView text, std::uint8_t *out, std::size_t size)
{
    if (static_cast<std::size_t>(text.size()) != size * 2) {
        return false;
    }
    for (std::size_t i = 0; i < size; ++i) {
        const auto at = static_cast<qsizetype>(i) * 2;
        const int high = hexValue(text[at]);
        const int low = hexValue(text[at + 1]);
        if (high < 0 || low < 0) {
            return false;
        }
        out[i] = static_cast<std::uint8_t>(high * 16 + low);
    }
    return true;
}

// Writes 2 * size hex digits at `out` and returns the end.
char *writeHex(char *out, const std::uint8_t *bytes, std::size_t size)
{
    std::size_t i = 0;
#ifdef __SSE2__
    for (; i + 16 <= size; i += 16, out += 32) {
        writeHexBlock(out, _mm_loadu_si128(reinterpret_cast<const __m128i *>(bytes + i)), true);
    }
    if (i + 8 <= size) {
        writeHexBlock(out, _mm_loadl_epi64(reinterpret_cast<const __m128i *>(bytes + i)), false);
        i += 8;
        out += 16;
    }
#endif
    for (; i < size; ++i) {
        *out++ = kHexDigits[bytes[i] >> 4U];
        *out++ = kHexDigits[bytes[i] & 0x0fU];
    }
    return out;
}

} // namespace

std::optional<TraceContext> TraceContext::parse(QByteArrayView value)
{
    // Most requests carry none: no trimming for them.
    if (value.size() < kVersion00Length) {
        return std::nullopt;
    }
    const QByteArrayView text = value.trimmed();
    if (text.size() < kVersion00Length) {
        return std::nullopt;
    }
    std::uint8_t version = 0;
    if (!decodeHex(text.first(2), &version, 1) || version == 0xff) {
        return std::nullopt;
    }
    if (version == 0 && text.size() != kVersion00Length) {
        return std::nullopt;
    }
    // A later version may append fields, but only after a '-'.
    if (text.size() > kVersion00Length && text[kVersion00Length] != '-') {
        return std::nullopt;
    }
    if (text[2] != '-' || text[35] != '-' || text[52] != '-') {
        return std::nullopt;
    }
    TraceContext context;
    std::uint8_t flags = 0;
    if (!decodeHex(text.sliced(3, 32), context.traceId.data(), context.traceId.size()) ||
        !decodeHex(text.sliced(36, 16), context.spanId.data(), context.spanId.size()) ||
        !decodeHex(text.sliced(53, 2), &flags, 1)) {
        return std::nullopt;
    }
    if (isZero(context.traceId.data(), context.traceId.size()) ||
        isZero(context.spanId.data(), context.spanId.size())) {
        return std::nullopt;
    }
    context.sampled = (flags & 0x01) != 0;
    return context;
}

void TraceContext::writeTraceparent(TraceparentText &out) const noexcept
{
    char *p = out.data();
    *p++ = '0';
    *p++ = '0';
    *p++ = '-';
    p = writeHex(p, traceId.data(), traceId.size());
    *p++ = '-';
    p = writeHex(p, spanId.data(), spanId.size());
    *p++ = '-';
    *p++ = '0';
    *p = sampled ? '1' : '0';
}

QByteArray TraceContext::traceparent() const
{
    TraceparentText text;
    writeTraceparent(text);
    return {text.data(), kVersion00Length};
}

QByteArrayView TraceContext::truncatedTraceState(QByteArrayView value, qsizetype maxBytes)
{
    const QByteArrayView text = value.trimmed();
    if (text.size() <= maxBytes && text.count(',') < kMaxTraceStateMembers) {
        return text;
    }
    qsizetype end = 0;
    qsizetype from = 0;
    for (int members = 0; members < kMaxTraceStateMembers && from <= text.size(); ++members) {
        qsizetype comma = text.indexOf(',', from);
        if (comma < 0) {
            comma = text.size();
        }
        if (comma > maxBytes) {
            break;
        }
        end = comma;
        from = comma + 1;
    }
    return text.first(end).trimmed();
}

QByteArray TraceContext::hex(const std::uint8_t *bytes, std::size_t size)
{
    QByteArray out(static_cast<qsizetype>(size) * 2, Qt::Uninitialized);
    writeHex(out.data(), bytes, size);
    return out;
}

bool TraceContext::isZero(const std::uint8_t *bytes, std::size_t size)
{
    return std::all_of(bytes, bytes + size, [](std::uint8_t b) { return b == 0; });
}

} // namespace aap::telemetry
