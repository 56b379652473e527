#include "http/RequestAuthority.h"

namespace aap::http {

namespace {

bool parsePort(QByteArrayView digits, std::optional<quint16> &port)
{
    if (digits.isEmpty()) {
        port.reset();
        return true;
    }
    if (digits.size() > 5) {
        return false;
    }
    quint32 value = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + quint32(c - '0');
    }
    if (value > 65535) {
        return false;
    }
    port = quint16(value);
    return true;
}

} // namespace

std::optional<RequestAuthority> RequestAuthority::parse(QByteArrayView authority)
{
    RequestAuthority result;
    QByteArrayView rest;
    if (authority.startsWith('[')) {
        const qsizetype close = authority.indexOf(']');
        if (close < 0) {
            return std::nullopt;
        }
        result.host = authority.sliced(1, close - 1);
        rest = authority.sliced(close + 1);
        if (result.host.contains('[') || result.host.contains(']')) {
            return std::nullopt;
        }
    } else {
        const qsizetype colon = authority.indexOf(':');
        result.host = colon < 0 ? authority : authority.first(colon);
        rest = colon < 0 ? QByteArrayView() : authority.sliced(colon);
        if (result.host.contains('[') || result.host.contains(']')) {
            return std::nullopt;
        }
    }
    if (result.host.isEmpty()) {
        return std::nullopt;
    }
    if (rest.isEmpty()) {
        return result;
    }
    if (rest[0] != ':' || !parsePort(rest.sliced(1), result.port)) {
        return std::nullopt;
    }
    return result;
}

} // namespace aap::http
