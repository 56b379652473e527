#pragma once

#include <QByteArrayView>
#include <QtGlobal>

#include <array>

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
