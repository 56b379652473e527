#pragma once

#include "protocol/AccessTokenSigner.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QUrl>

#include <optional>

class QSslSocket;

namespace aap::test {

// A strict Entra ID v2.0 token endpoint over TLS on 127.0.0.1:0: POST /{tenant}/oauth2/v2.0/token
// with the client-credentials form. It checks what the real service checks (method, content type,
// form fields, scope, client secret, certificate assertion, federated token) and answers like it
// (AADSTS error JSON, numbers as JSON numbers). Faults can be injected; the last form is recorded
// for assertions (it holds secrets: tests compare them with QVERIFY, never print them).
class FakeEntra : public QTcpServer {
    Q_OBJECT

public:
    enum class Fault {
        None,
        ServerError,        // 500 with error JSON
        Throttle,           // 429 with Retry-After
        Hang,               // read the request, never answer
        MalformedJson,      // 200 with a truncated JSON body
        Html200,            // 200 text/html, as a captive portal or a misrouted proxy answers
        MissingAccessToken, // 200 JSON without access_token
        HugeBody,           // 200 JSON of several megabytes
    };

    // tls presents the server certificate (TestPki::serverConfiguration()).
    explicit FakeEntra(const QSslConfiguration &tls, QObject *parent = nullptr);
    ~FakeEntra() override;
    FakeEntra(const FakeEntra &) = delete;
    FakeEntra &operator=(const FakeEntra &) = delete;
    FakeEntra(FakeEntra &&) = delete;
    FakeEntra &operator=(FakeEntra &&) = delete;

    // Listens on 127.0.0.1 with an OS-chosen port.
    bool start();
    // https://127.0.0.1:{port}, or https://{hostName}:{port} when the test reaches it by a name
    // (through a proxy, for instance).
    [[nodiscard]] QUrl authorityHost(const QString &hostName = QStringLiteral("127.0.0.1")) const;
    [[nodiscard]] QString tokenUrl(const QString &tenant,
                                   const QString &hostName = QStringLiteral("127.0.0.1")) const;

    void addSecretClient(const QString &tenant, const QString &clientId, const QByteArray &secret);
    // The assertion must be signed by the key of this certificate (DER) and name it in x5t or x5t#S256.
    // Adding a certificate again for the same client keeps both, as a key rollover does.
    void addCertificateClient(const QString &tenant, const QString &clientId,
                              const QByteArray &certificateDer);
    void addFederatedClient(const QString &tenant, const QString &clientId, const QByteArray &federatedToken);
    // The host name the assertion's aud must use (default 127.0.0.1).
    void setAudienceHost(const QString &hostName) { m_audienceHost = hostName; }

    // Answer shape: v2 sends numbers, v1 numeric strings.
    void setNumbersAsStrings(bool asStrings) { m_numbersAsStrings = asStrings; }
    void setExpiresIn(int seconds) { m_expiresIn = seconds; }
    // When set, access tokens are signed JWTs for the scope's resource (not owned).
    void setTokenSigner(AccessTokenSigner *signer) { m_signer = signer; }
    void setRefreshIn(std::optional<int> seconds) { m_refreshIn = seconds; }

    // The next `count` requests get this fault instead of a normal answer (count < 0: all).
    void setFault(Fault fault, int count = 1);
    void setRetryAfter(int seconds) { m_retryAfter = seconds; }

    [[nodiscard]] int requestCount() const { return m_requestCount; }
    [[nodiscard]] int tokensIssued() const { return m_tokensIssued; }
    // Fields of the last well-formed form; values are secrets in part: never print them.
    [[nodiscard]] const QHash<QString, QString> &lastForm() const { return m_lastForm; }
    [[nodiscard]] const QByteArray &lastPath() const { return m_lastPath; }
    [[nodiscard]] const QByteArray &lastContentType() const { return m_lastContentType; }
    // Decoded JOSE header of the last client assertion that was checked against a certificate.
    [[nodiscard]] const QJsonObject &lastAssertionHeader() const { return m_lastAssertionHeader; }
    // "invalid_client AADSTS7000215: ..." for the last rejected request; empty after a success.
    [[nodiscard]] const QString &lastRejection() const { return m_lastRejection; }
    // The access token of the last success (a secret in real life; here a random value).
    [[nodiscard]] const QByteArray &lastAccessToken() const { return m_lastAccessToken; }

private:
    struct Client {
        QByteArray secret;
        QList<QByteArray> certificatesDer;
        QByteArray federatedToken;
    };
    struct Answer {
        int status = 200;
        QByteArray contentType = QByteArrayLiteral("application/json; charset=utf-8");
        QByteArray body;
        QList<QPair<QByteArray, QByteArray>> headers;
        bool hang = false;
    };
    struct Connection {
        QByteArray buffer;
        bool hanging = false;
    };

    void incomingConnection(qintptr descriptor) override;
    void onReadyRead(QSslSocket *socket);
    void forget(QSslSocket *socket);
    Answer handle(const QByteArray &method, const QByteArray &path,
                  const QHash<QByteArray, QByteArray> &headers, const QByteArray &body);
    Answer faultAnswer(Fault fault) const;
    Answer reject(int status, const QString &error, int aadsts, const QString &description);
    Answer issue(const AccessTokenSubject &subject);
    std::optional<Answer> checkAssertion(const QString &tenant, const QString &clientId, const Client &client,
                                         const QString &assertion);
    static void send(QSslSocket *socket, const Answer &answer);

    QSslConfiguration m_tls;
    QHash<QSslSocket *, Connection> m_connections;
    QHash<QString, Client> m_clients; // key: tenant + '/' + clientId
    QSet<QString> m_seenJti;
    QString m_audienceHost = QStringLiteral("127.0.0.1");
    bool m_numbersAsStrings = false;
    int m_expiresIn = 3599;
    AccessTokenSigner *m_signer = nullptr;
    std::optional<int> m_refreshIn;
    Fault m_fault = Fault::None;
    int m_faultCount = 0;
    int m_retryAfter = 7;
    int m_requestCount = 0;
    int m_tokensIssued = 0;
    QHash<QString, QString> m_lastForm;
    QByteArray m_lastPath;
    QByteArray m_lastContentType;
    QJsonObject m_lastAssertionHeader;
    QString m_lastRejection;
    QByteArray m_lastAccessToken;
};

} // namespace aap::test
