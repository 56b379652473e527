#pragma once

#include <QList>
#include <QSslCertificate>

#include <memory>

using X509_STORE = struct x509_store_st;

namespace aap::inbound {

// Whether a client certificate chain leads to one of the listener's client CAs, checked with
// OpenSSL for the TLS client purpose and the current time. Qt's server-side QueryPeer mode asks the
// client for a certificate but does not judge it, so this check is ours. Immutable and safe to use
// from every worker at once.
class ClientCertificateVerifier {
public:
    explicit ClientCertificateVerifier(const QList<QSslCertificate> &authorities);
    ~ClientCertificateVerifier();
    ClientCertificateVerifier(const ClientCertificateVerifier &) = delete;
    ClientCertificateVerifier &operator=(const ClientCertificateVerifier &) = delete;
    ClientCertificateVerifier(ClientCertificateVerifier &&) = delete;
    ClientCertificateVerifier &operator=(ClientCertificateVerifier &&) = delete;

    // `chain`: the peer's certificates, leaf first (QSslSocket::peerCertificateChain()).
    [[nodiscard]] bool trusts(const QList<QSslCertificate> &chain) const;

private:
    X509_STORE *m_store;
};

} // namespace aap::inbound
