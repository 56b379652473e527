#pragma once

#include <QByteArrayView>
#include <QtGlobal>

#include <array>
#include <bit>
#include <cstring>

// Character classes and small helpers of RFC 9110/9112, shared by the parsers and the rewriter.
// Table driven and allocation free: the data path calls them per byte.
namespace aap::http::syntax {

namespace detail {
constexpr std::array<bool, 256> makeTcharTable()
{
    std::array<bool, 256> table{};
    for (int c = '0'; c <= '9'; ++c)
        table[std::size_t(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        table[std::size_t(c)] = true;
    for (int c = 'A'; c <= 'Z'; ++c)
        table[std::size_t(c)] = true;
    for (const char c : {'!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~'})
        table[std::size_t(uchar(c))] = true;
    return table;
}
inline constexpr std::array<bool, 256> tcharTable = makeTcharTable();
} // namespace detail

constexpr bool isTchar(char c)
{
    return detail::tcharTable[uchar(c)];
}

// field-vchar / SP / HTAB / obs-text: every byte except CTLs (NUL, CR, LF, ...) and DEL.
constexpr bool isFieldValueChar(char c)
{
    const auto u = uchar(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
}

constexpr bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

constexpr char toLowerAscii(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c + ('a' - 'A')) : c;
}

// ASCII case-insensitive equality without building lower-case copies.
namespace detail {
constexpr quint64 kOnes = 0x0101010101010101ULL;
constexpr quint64 kHighBits = 0x8080808080808080ULL;

inline quint64 load8(const char *data)
{
    quint64 word = 0;
    std::memcpy(&word, data, sizeof(word));
    return word;
}

// High bit set in each byte of `word` that is below `limit` (limit <= 128); exact for "any".
constexpr quint64 bytesBelow(quint64 word, quint64 limit)
{
    return (word - kOnes * limit) & ~word & kHighBits;
}

constexpr quint64 bytesEqual(quint64 word, quint64 value)
{
    return bytesBelow(word ^ (kOnes * value), 1);
}
} // namespace detail

// Position of the first byte in [pos, end) that may not appear in a field value (a CTL other than
// HTAB, or DEL), or `end`. Eight bytes per step: field values are most of a head's bytes.
inline qsizetype findFieldValueEnd(const char *data, qsizetype pos, qsizetype end)
{
    while (end - pos >= 8) {
        const quint64 word = detail::load8(data + pos);
        const quint64 suspects = detail::bytesBelow(word, 0x20) | detail::bytesEqual(word, 0x7f);
        // The lowest flagged byte is exact (borrows only run upwards); HTAB is the one allowed.
        if (suspects != 0) {
            const qsizetype at = pos + std::countr_zero(suspects) / 8;
            if (data[at] != '\t')
                return at;
            for (qsizetype i = at + 1; i < pos + 8; ++i) {
                if (!isFieldValueChar(data[i]))
                    return i;
            }
        }
        pos += 8;
    }
    while (pos < end && isFieldValueChar(data[pos]))
        ++pos;
    return pos;
}

// Position of the first byte in [pos, end) that is not a visible ASCII character (0x21..0x7e), or
// `end`: what a request-target may contain.
inline qsizetype findNonVisible(const char *data, qsizetype pos, qsizetype end)
{
    while (end - pos >= 8) {
        const quint64 word = detail::load8(data + pos);
        if ((detail::bytesBelow(word, 0x21) | detail::bytesEqual(word, 0x7f) | (word & detail::kHighBits)) !=
            0)
            break;
        pos += 8;
    }
    while (pos < end && uchar(data[pos]) > 0x20 && uchar(data[pos]) < 0x7f)
        ++pos;
    return pos;
}

inline bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (toLowerAscii(a[i]) != toLowerAscii(b[i]))
            return false;
    }
    return true;
}

inline bool startsWithIgnoreCase(QByteArrayView text, QByteArrayView prefix)
{
    return text.size() >= prefix.size() && equalsIgnoreCase(text.first(prefix.size()), prefix);
}

inline QByteArrayView trimOws(QByteArrayView text)
{
    qsizetype begin = 0;
    qsizetype end = text.size();
    while (begin < end && isOws(text[begin]))
        ++begin;
    while (end > begin && isOws(text[end - 1]))
        --end;
    return text.sliced(begin, end - begin);
}

// Calls fn(element) for each non-empty element of a comma-separated list, OWS trimmed; stops early
// when fn returns false. Returns false if stopped.
template <typename Fn> bool forEachListElement(QByteArrayView value, Fn &&fn)
{
    qsizetype start = 0;
    while (start <= value.size()) {
        qsizetype comma = value.indexOf(',', start);
        if (comma < 0)
            comma = value.size();
        const QByteArrayView element = trimOws(value.sliced(start, comma - start));
        if (!element.isEmpty() && !fn(element))
            return false;
        start = comma + 1;
    }
    return true;
}

// 1*DIGIT without sign, whitespace or overflow.
inline bool parseDecimal(QByteArrayView text, quint64 &out)
{
    if (text.isEmpty())
        return false;
    quint64 value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return false;
        const auto digit = quint64(c - '0');
        if (value > (~quint64(0) - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    out = value;
    return true;
}

} // namespace aap::http::syntax
