#pragma once

#include <QByteArrayView>
#include <QtGlobal>

#include <optional>

namespace aap::http {

// The host and port of an absolute-form request-target's authority (RFC 3986 section 3.2.2-3.2.3),
// for the proxy to check that the client names it or its target, never another host.
struct RequestAuthority {
    QByteArrayView host;         // without the brackets of an IPv6 literal
    std::optional<quint16> port; // absent (or empty after ':'): the scheme's default port

    // nullopt for an empty host, a malformed IP literal or port, or more than one ':' outside brackets.
    [[nodiscard]] static std::optional<RequestAuthority> parse(QByteArrayView authority);
};

} // namespace aap::http
