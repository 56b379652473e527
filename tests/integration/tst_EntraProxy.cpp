#include "auth/ProviderFactory.h"
#include "auth/providers/TokenHttpClient.h"
#include "core/SystemClock.h"
#include "protocol/FakeEntra.h"
#include "protocol/TestPki.h"
#include "support/ProviderTestKit.h"

#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace std::chrono_literals;
using aap::auth::ProviderFactory;
using aap::auth::TokenHttpClient;
using aap::auth::TokenProvider;
using aap::config::IdentityConfig;
using aap::config::IdentityKind;
using aap::config::Secret;
using aap::test::FakeEntra;
using aap::test::TestPki;
using Kit = aap::test::ProviderTestKit;

namespace {

const QString tenant = QStringLiteral("contoso.onmicrosoft.com");
const QString clientId = QStringLiteral("proxy-test-client");
// Not loopback, so the proxy rules apply (loopback always bypasses HTTPS_PROXY); the TestPki
// "wrong name" server certificate is issued for exactly this name. The proxy resolves it to the
// fake's 127.0.0.1 port, so no lookup of the name ever happens when the proxy is used.
const QString entraHostName = QStringLiteral("wrong.example.invalid");

// An HTTP CONNECT proxy on 127.0.0.1:0 that records each CONNECT target and tunnels every one of
// them to 127.0.0.1:targetPort.
class ConnectProxy : public QTcpServer {
    Q_OBJECT

public:
    explicit ConnectProxy(quint16 targetPort) : m_targetPort(targetPort) {}
    ~ConnectProxy() override
    {
        for (const QPointer<QTcpSocket> &socket : std::as_const(m_sockets)) {
            if (socket) {
                socket->disconnect(this);
                delete socket.data();
            }
        }
    }
    ConnectProxy(const ConnectProxy &) = delete;
    ConnectProxy &operator=(const ConnectProxy &) = delete;
    ConnectProxy(ConnectProxy &&) = delete;
    ConnectProxy &operator=(ConnectProxy &&) = delete;

    [[nodiscard]] const QStringList &connectTargets() const { return m_connectTargets; }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *client = new QTcpSocket(this);
        client->setSocketDescriptor(descriptor);
        m_sockets.append(client);
        // Owned by the lambda below, so it goes when the connection does (also while the server is
        // being destroyed, when a `destroyed` handler on this object would no longer run).
        auto buffer = std::make_shared<QByteArray>();
        connect(client, &QTcpSocket::readyRead, this, [this, client, buffer] {
            *buffer += client->readAll();
            const auto end = buffer->indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QList<QByteArray> requestLine = buffer->left(buffer->indexOf("\r\n")).split(' ');
            const QByteArray rest = buffer->mid(end + 4);
            client->disconnect(this);
            if (requestLine.size() != 3 || requestLine.at(0) != "CONNECT") {
                client->write("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
                client->disconnectFromHost();
                return;
            }
            m_connectTargets << QString::fromLatin1(requestLine.at(1));
            tunnel(client, rest);
        });
    }

private:
    void tunnel(QTcpSocket *client, const QByteArray &pending)
    {
        auto *upstream = new QTcpSocket(this);
        m_sockets.append(upstream);
        connect(upstream, &QTcpSocket::connected, this, [client, upstream, pending] {
            client->write("HTTP/1.1 200 Connection established\r\n\r\n");
            if (!pending.isEmpty())
                upstream->write(pending);
        });
        connect(client, &QTcpSocket::readyRead, this,
                [client, upstream] { upstream->write(client->readAll()); });
        connect(upstream, &QTcpSocket::readyRead, this,
                [client, upstream] { client->write(upstream->readAll()); });
        connect(client, &QTcpSocket::disconnected, this, [upstream] { upstream->disconnectFromHost(); });
        connect(upstream, &QTcpSocket::disconnected, this, [client] { client->disconnectFromHost(); });
        upstream->connectToHost(QHostAddress(QHostAddress::LocalHost), m_targetPort);
    }

    quint16 m_targetPort;
    QStringList m_connectTargets;
    QList<QPointer<QTcpSocket>> m_sockets;
};

} // namespace

class tst_EntraProxy : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<TestPki> m_pki;
    std::unique_ptr<FakeEntra> m_entra;
    std::unique_ptr<ConnectProxy> m_proxy;
    aap::SystemClock m_clock;

    std::unique_ptr<TokenHttpClient> client(const QStringList &noProxy)
    {
        TokenHttpClient::Options options;
        options.requestTimeout = 3s;
        options.caBundle = m_pki->caCertificatePath();
        options.proxy.httpsProxy = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_proxy->serverPort()));
        options.proxy.noProxy = noProxy;
        return std::make_unique<TokenHttpClient>(m_clock, options);
    }

    std::unique_ptr<TokenProvider> provider(TokenHttpClient &http)
    {
        IdentityConfig identity;
        identity.kind = IdentityKind::AadApplication;
        identity.tenantId = tenant;
        identity.clientId = clientId;
        identity.clientSecret = Secret(QStringLiteral("proxy-secret"));
        identity.authorityHost = m_entra->authorityHost(entraHostName);
        auto created = ProviderFactory(QProcessEnvironment(), m_clock, http).create(identity);
        if (!created)
            return nullptr;
        return std::move(created).value();
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_pki = std::make_unique<TestPki>();
        QVERIFY(m_pki->isValid());
    }

    void init()
    {
        m_entra = std::make_unique<FakeEntra>(m_pki->serverConfiguration(true));
        QVERIFY(m_entra->start());
        m_entra->addSecretClient(tenant, clientId, QByteArrayLiteral("proxy-secret"));
        m_proxy = std::make_unique<ConnectProxy>(m_entra->serverPort());
        QVERIFY(m_proxy->listen(QHostAddress(QHostAddress::LocalHost), 0));
    }

    void cleanup()
    {
        m_proxy.reset();
        m_entra.reset();
    }

    void httpsProxyIsUsedForEntra()
    {
        auto http = client({QStringLiteral("localhost"), QStringLiteral(".corp.example")});
        auto entra = provider(*http);
        QVERIFY(entra);
        const auto result = Kit::fetchAndWait(*entra);
        QVERIFY2(result, qPrintable(result ? QString() : result.error().description));
        QVERIFY(result->value == m_entra->lastAccessToken());
        QCOMPARE(m_proxy->connectTargets(),
                 QStringList{QStringLiteral("%1:%2").arg(entraHostName).arg(m_entra->serverPort())});
        QCOMPARE(m_entra->requestCount(), 1);
    }
    // NO_PROXY is covered by tst_TokenHttpClient's bypass table: going direct to this host name
    // would need a DNS lookup, and tests never reach beyond this machine.
};

QTEST_GUILESS_MAIN(tst_EntraProxy)
#include "tst_EntraProxy.moc"
