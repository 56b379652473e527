#pragma once

#include "config/Secret.h"
#include "config/ServiceConfig.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace aap::http {
class MessageHead;
}

namespace aap::inbound {

// Why a client is turned away: a local JSON error with this status and code.
struct InboundRejection {
    int status = 403; // 401: no or wrong credential; 403: address or certificate not allowed
    QByteArray code;
    QString message; // for the client and the log; never contains a key
};

// The listener's inbound protection as one pure decision: client address allow-list, mutual TLS
// result and API keys. No I/O, no state per request; one instance is shared read-only by every
// worker. Each configured check must pass; with none configured everything is admitted.
class InboundGuard {
public:
    // What the connection showed before any request: known once the TLS handshake is done.
    struct Peer {
        QHostAddress address;
        bool certificatePresented = false; // the client sent a certificate
        bool certificateTrusted = false;   // ... and it chains to the client CA bundle
    };

    // `keys`: every accepted API key (the setting and the file together).
    InboundGuard(const config::InboundAuthConfig &config, const QList<config::Secret> &keys);

    // Checks that do not depend on the request: the address allow-list and mutual TLS.
    [[nodiscard]] std::optional<InboundRejection> checkPeer(const Peer &peer) const;
    // The API key of one request (nothing to check when no key is configured).
    [[nodiscard]] std::optional<InboundRejection> checkRequest(const http::MessageHead &request) const;

    [[nodiscard]] bool requiresKey() const { return !m_keyDigests.isEmpty(); }
    // The header a key may travel in besides Authorization; removed before forwarding when keys
    // are required.
    [[nodiscard]] const QByteArray &keyHeader() const { return m_keyHeader; }

private:
    [[nodiscard]] bool keyAccepted(QByteArrayView presented) const;

    QList<QPair<QHostAddress, int>> m_allowed; // empty: any address
    bool m_mutualTls = false;
    QList<QByteArray> m_keyDigests; // SHA-256 of each key: fixed-size, compared in constant time
    QByteArray m_keyHeader;
};

} // namespace aap::inbound
