#pragma once

#include "protocol/FakeTokenServer.h"

#include <QNetworkAccessManager>
#include <QStringList>

namespace aap::emulator {

// A resource that checks tokens as Azure Monitor does: no or a malformed bearer token, a bad
// signature, another issuer or audience, or an expired token gets 401 with WWW-Authenticate;
// a valid token of a client not allowed (when an allow list is set) gets 403. Accepted requests
// are echoed as JSON (what arrived, and the token's claims, never the token itself) or, in front
// mode, forwarded to a backend (a Prometheus) without the Authorization header.
class SampleUpstream final : public test::FakeTokenServer {
    Q_OBJECT

public:
    SampleUpstream(test::AccessTokenSigner &signer, QString audience, QObject *parent = nullptr);

    // Forward accepted requests to this http:// base URL instead of echoing them.
    void setFront(const QUrl &backend) { m_backend = backend; }
    // Client ids (appid/azp) allowed; empty: every client with a valid token.
    void setAllowedClients(const QStringList &clientIds) { m_allowedClients = clientIds; }

    [[nodiscard]] qint64 acceptedCount() const { return m_accepted; }
    [[nodiscard]] qint64 unauthorizedCount() const { return m_unauthorized; }
    [[nodiscard]] qint64 forbiddenCount() const { return m_forbidden; }

protected:
    Reply handle(const test::RecordedRequest &request) override;
    void dispatch(QTcpSocket *socket, const test::RecordedRequest &request) override;

private:
    Reply refuse(int status, const QString &error, const QString &description);
    void forward(QTcpSocket *socket, const test::RecordedRequest &request);

    test::AccessTokenSigner &m_signer;
    QString m_audience;
    QUrl m_backend;
    QStringList m_allowedClients;
    QNetworkAccessManager m_network;
    qint64 m_accepted = 0;
    qint64 m_unauthorized = 0;
    qint64 m_forbidden = 0;
};

} // namespace aap::emulator
