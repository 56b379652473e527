#include "protocol/TestPki.h"
#include "support/ProxyTestClient.h"
#include "support/ProxyTestHarness.h"

#include <QElapsedTimer>
#include <QFile>
#include <QMutex>
#include <QSslKey>
#include <QTemporaryDir>
#include <QTest>

using namespace std::chrono_literals;
using aap::config::Secret;
using aap::proxy::ProxyErrorKind;
using aap::test::ProxyTestClient;
using aap::test::ProxyTestHarness;
using aap::test::TestPki;

namespace {

const QByteArray keyA = QByteArrayLiteral("inbound-key-a-0123456789abcdef");
const QByteArray keyB = QByteArrayLiteral("inbound-key-b-fedcba9876543210");

// Log lines of every thread, for the checks on rejected-request logging.
QMutex logMutex;
QStringList logLines;
QtMessageHandler previousHandler = nullptr;

void captureLog(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        const QMutexLocker lock(&logMutex);
        logLines.append(message);
    }
    previousHandler(type, context, message);
}

QStringList linesContaining(const QString &text)
{
    const QMutexLocker lock(&logMutex);
    return logLines.filter(text);
}

QSslConfiguration trusting(const QList<QSslCertificate> &authorities)
{
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setCaCertificates(authorities);
    tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
    return tls;
}

QByteArray get(const QByteArray &fields = {})
{
    return "GET /data HTTP/1.1\r\nHost: proxy\r\n" + fields + "\r\n";
}

} // namespace

// The listener's inbound protection end to end: API keys, address ranges, TLS with certificate
// reload, and mutual TLS. A rejected request is answered locally and never reaches the target.
class tst_ProxyInbound : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { previousHandler = qInstallMessageHandler(captureLog); }
    void cleanupTestCase() { qInstallMessageHandler(previousHandler); }

    void apiKeyAcceptedAndNotForwarded_data()
    {
        QTest::addColumn<QByteArray>("field");
        QTest::newRow("authorization apikey, first key") << "Authorization: ApiKey " + keyA + "\r\n";
        QTest::newRow("x-api-key, second key") << "X-Api-Key: " + keyB + "\r\n";
    }
    void apiKeyAcceptedAndNotForwarded()
    {
        QFETCH(QByteArray, field);
        ProxyTestHarness h;
        h.options.listener.inboundAuth.apiKeys = {Secret(QString::fromLatin1(keyA)),
                                                  Secret(QString::fromLatin1(keyB))};
        h.publishToken();
        QVERIFY(h.start());
        ProxyTestClient client;
        QVERIFY(client.connectTo(h.port()));
        client.send(get(field + "X-Other: kept\r\n"));
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(h.upstream.requests().size(), 1);
        const auto &request = h.upstream.requests().first();
        // The client's credential stays here; the proxy's Authorization wins.
        QVERIFY(!request.header("X-Api-Key"));
        QCOMPARE(request.headerCount("Authorization"), 1);
        QCOMPARE(request.header("Authorization").value_or(""), ProxyTestHarness::tokenHeaderValue());
        QCOMPARE(request.header("X-Other").value_or(""), QByteArray("kept"));
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::InboundRejected), 0u);
    }

    void keysFromFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("keys"));
        QVERIFY(TestPki::writeFile(path, "# rotated 2026-12\n" + keyA + "\n\n" + keyB + "\n"));
        ProxyTestHarness h;
        h.options.listener.inboundAuth.apiKeysFile = path;
        h.publishToken();
        QVERIFY(h.start());
        for (const QByteArray &key : {keyA, keyB}) {
            ProxyTestClient client;
            QVERIFY(client.connectTo(h.port()));
            client.send(get("X-Api-Key: " + key + "\r\n"));
            const auto response = client.readResponse();
            QVERIFY(response);
            QCOMPARE(response->status, 200);
        }
        QCOMPARE(h.upstream.requests().size(), 2);
    }

    void apiKeyRejectedNeverForwarded_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::newRow("no key") << get();
        QTest::newRow("wrong key") << get("X-Api-Key: inbound-key-c-0000000000000000\r\n");
        QTest::newRow("bearer instead of key") << get("Authorization: Bearer " + keyA + "\r\n");
        QTest::newRow("with a body") << QByteArray(
            "POST /write HTTP/1.1\r\nHost: p\r\nContent-Length: 11\r\n\r\n"
            "hello world");
        QTest::newRow("with a chunked body")
            << QByteArray("POST /write HTTP/1.1\r\nHost: p\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        QTest::newRow("expecting 100-continue") << QByteArray(
            "POST /write HTTP/1.1\r\nHost: p\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    }
    void apiKeyRejectedNeverForwarded()
    {
        QFETCH(QByteArray, request);
        ProxyTestHarness h;
        h.options.listener.inboundAuth.apiKeys = {Secret(QString::fromLatin1(keyA))};
        h.publishToken();
        QVERIFY(h.start());
        ProxyTestClient client;
        QVERIFY(client.connectTo(h.port()));
        client.send(request);
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 401);
        QCOMPARE(response->header("Content-Type").value_or(""), QByteArray("application/json"));
        QVERIFY(response->body.contains("\"unauthorized\""));
        QVERIFY(!response->body.contains(keyA));
        QVERIFY(client.waitForDisconnected());
        QCOMPARE(h.upstream.requests().size(), 0);
        QCOMPARE(h.upstream.connectionCount(), 0);
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::InboundRejected), 1u);
    }

    // No token yet: an accepted request would wait up to tokenWaitTimeout; a rejected one is
    // answered at once.
    void rejectedRequestNeverWaitsForAToken()
    {
        ProxyTestHarness h;
        h.options.listener.inboundAuth.apiKeys = {Secret(QString::fromLatin1(keyA))};
        h.options.limits.tokenWaitTimeout = 30s;
        QVERIFY(h.start());
        ProxyTestClient client;
        QVERIFY(client.connectTo(h.port()));
        QElapsedTimer elapsed;
        elapsed.start();
        client.send(get("X-Api-Key: wrong-key-0000000000000000\r\n"));
        const auto response = client.readResponse(10000);
        QVERIFY(response);
        QCOMPARE(response->status, 401);
        QVERIFY(elapsed.elapsed() < 10000);
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::NoToken), 0u);
    }

    void probesNeedNoKey()
    {
        ProxyTestHarness h;
        h.options.listener.inboundAuth.apiKeys = {Secret(QString::fromLatin1(keyA))};
        h.publishToken();
        QVERIFY(h.start());
        ProxyTestClient client;
        QVERIFY(client.connectTo(h.port()));
        client.send("GET /health HTTP/1.1\r\nHost: p\r\n\r\n");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
    }

    void rejectionsAreLoggedWithTheClientAddressRateLimited()
    {
        ProxyTestHarness h;
        h.options.workerThreads = 1;
        h.options.listener.inboundAuth.apiKeys = {Secret(QString::fromLatin1(keyA))};
        h.publishToken();
        QVERIFY(h.start());
        const qsizetype before = linesContaining(QStringLiteral("request rejected")).size();
        for (int i = 0; i < 12; ++i) {
            ProxyTestClient client;
            QVERIFY(client.connectTo(h.port()));
            client.send(get("X-Api-Key: wrong-" + QByteArray::number(i) + "\r\n"));
            QVERIFY(client.readResponse());
        }
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::InboundRejected), 12u);
        const QStringList lines = linesContaining(QStringLiteral("request rejected")).mid(before);
        // One worker, at most 5 lines per 10 s window (the fake clock does not move).
        QCOMPARE(lines.size(), 5);
        for (const QString &line : lines) {
            QVERIFY2(line.contains(QStringLiteral("peer=127.0.0.1")), qPrintable(line));
            QVERIFY(!line.contains(QStringLiteral("wrong-")));
        }
    }

    void addressRanges_data()
    {
        QTest::addColumn<QStringList>("ranges");
        QTest::addColumn<int>("status");
        QTest::newRow("loopback allowed")
            << QStringList{QStringLiteral("10.0.0.0/8"), QStringLiteral("127.0.0.0/8")} << 200;
        QTest::newRow("single address allowed") << QStringList{QStringLiteral("127.0.0.1")} << 200;
        QTest::newRow("other v4 range") << QStringList{QStringLiteral("10.0.0.0/8")} << 403;
        QTest::newRow("v6 range only") << QStringList{QStringLiteral("::1/128")} << 403;
    }
    void addressRanges()
    {
        QFETCH(QStringList, ranges);
        QFETCH(int, status);
        ProxyTestHarness h;
        h.options.listener.inboundAuth.allowedCidrs = ranges;
        h.publishToken();
        QVERIFY(h.start());
        ProxyTestClient client;
        QVERIFY(client.connectTo(h.port()));
        client.send("POST /write HTTP/1.1\r\nHost: p\r\nContent-Length: 4\r\n\r\nbody");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, status);
        QCOMPARE(h.upstream.requests().size(), status == 200 ? 1 : 0);
        // The allow-list also covers the local endpoints.
        if (status == 403) {
            ProxyTestClient probe;
            QVERIFY(probe.connectTo(h.port()));
            probe.send("GET /health HTTP/1.1\r\nHost: p\r\n\r\n");
            const auto health = probe.readResponse();
            QVERIFY(health);
            QCOMPARE(health->status, 403);
        }
    }

    void tlsListener_data()
    {
        QTest::addColumn<bool>("pfx");
        QTest::addColumn<TestPki::KeyType>("keyType");
        QTest::newRow("pem") << false << TestPki::KeyType::Rsa;
        QTest::newRow("pfx with a password file") << true << TestPki::KeyType::Rsa;
        QTest::newRow("pem, EC P-256 key") << false << TestPki::KeyType::EcP256;
        QTest::newRow("pfx, EC P-256 key") << true << TestPki::KeyType::EcP256;
    }
    void tlsListener()
    {
        QFETCH(bool, pfx);
        QFETCH(TestPki::KeyType, keyType);
        TestPki pki;
        QVERIFY(pki.isValid());
        const TestPki::Identity server = pki.issueServer(keyType);
        ProxyTestHarness h;
        if (pfx) {
            const QString path = pki.filePath(QStringLiteral("listener.pfx"));
            QVERIFY(server.writePfx(path, QStringLiteral("listener-pfx-password")));
            const QString passwordFile = pki.filePath(QStringLiteral("listener.password"));
            QVERIFY(TestPki::writeFile(passwordFile, "listener-pfx-password\n"));
            h.options.listener.tlsCertificatePath = path;
            h.options.listener.tlsKeyPasswordFile = passwordFile;
        } else {
            const QString path = pki.filePath(QStringLiteral("listener.pem"));
            QVERIFY(server.writePem(path));
            h.options.listener.tlsCertificatePath = path;
        }
        h.publishToken();
        QVERIFY(h.start());
        ProxyTestClient client;
        QVERIFY(client.connectEncrypted(h.port(), trusting({pki.caCertificate()})));
        QCOMPARE(client.serverCertificate(), server.certificate());
        client.send(get());
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(h.upstream.requests().size(), 1);
        QCOMPARE(h.upstream.requests().first().header("X-Forwarded-Proto").value_or(""), QByteArray("https"));
        // Plain HTTP on the TLS port gets nowhere.
        ProxyTestClient plain;
        QVERIFY(plain.connectTo(h.port()));
        plain.send(get());
        QVERIFY(!plain.readResponse(3000));
        QCOMPARE(h.upstream.requests().size(), 1);
    }

    void listenerCertificateIsReloaded()
    {
        TestPki first;
        TestPki second;
        QVERIFY(first.isValid() && second.isValid());
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("listener.pem"));
        QVERIFY(first.server().writePem(path));
        ProxyTestHarness h;
        h.options.listener.tlsCertificatePath = path;
        h.options.certificateCheckInterval = 10s;
        h.publishToken();
        QVERIFY(h.start());
        const QSslConfiguration trustsBoth = trusting({first.caCertificate(), second.caCertificate()});
        ProxyTestClient before;
        QVERIFY(before.connectEncrypted(h.port(), trustsBoth));
        QCOMPARE(before.serverCertificate(), first.serverCertificate());

        // Renewed in place (as certbot or a Kubernetes secret update does); the mtime moves on.
        QVERIFY(second.server().writePem(path));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.setFileTime(QDateTime::currentDateTime().addSecs(5), QFileDevice::FileModificationTime));
        file.close();
        h.clock.advance(10s);

        ProxyTestClient after;
        QVERIFY(after.connectEncrypted(h.port(), trustsBoth));
        QCOMPARE(after.serverCertificate(), second.serverCertificate());
        after.send(get());
        QVERIFY(after.readResponse());
        // The connection made before the reload keeps working.
        before.send(get());
        const auto response = before.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);

        // A broken file is not taken: the current certificate stays.
        QVERIFY(TestPki::writeFile(path, "not a certificate"));
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(
            file.setFileTime(QDateTime::currentDateTime().addSecs(10), QFileDevice::FileModificationTime));
        file.close();
        h.clock.advance(10s);
        ProxyTestClient third;
        QVERIFY(third.connectEncrypted(h.port(), trustsBoth));
        QCOMPARE(third.serverCertificate(), second.serverCertificate());
    }

    void mutualTls_data()
    {
        // 0 trusted client, 1 none, 2 expired, 3 a server certificate, 4 trusted client with an EC key
        QTest::addColumn<int>("which");
        QTest::addColumn<int>("status");
        QTest::newRow("trusted client certificate") << 0 << 200;
        QTest::newRow("trusted client certificate, EC P-256 key") << 4 << 200;
        QTest::newRow("no client certificate") << 1 << 401;
        QTest::newRow("expired client certificate") << 2 << 403;
        // Issued by the same CA but for servers only (no clientAuth usage).
        QTest::newRow("server certificate as client") << 3 << 403;
    }
    void mutualTls()
    {
        QFETCH(int, which);
        QFETCH(int, status);
        TestPki pki;
        QVERIFY(pki.isValid());
        const QString path = pki.filePath(QStringLiteral("listener.pem"));
        QVERIFY(pki.server().writePem(path));
        ProxyTestHarness h;
        h.options.listener.tlsCertificatePath = path;
        h.options.listener.inboundAuth.clientCaPath = pki.caCertificatePath();
        h.publishToken();
        QVERIFY(h.start());
        QSslConfiguration tls = trusting({pki.caCertificate()});
        if (which != 1) {
            const TestPki::Identity identity =
                which == 0   ? pki.issueClient(QStringLiteral("CN=client"))
                : which == 2 ? pki.issueClient(QStringLiteral("CN=client"), TestPki::Validity::Expired)
                : which == 4 ? pki.issueClient(QStringLiteral("CN=client"), TestPki::Validity::Valid,
                                               TestPki::KeyType::EcP256)
                             : pki.wrongNameServer();
            tls.setLocalCertificate(identity.certificate());
            tls.setPrivateKey(identity.key());
        }
        ProxyTestClient client;
        QVERIFY(client.connectEncrypted(h.port(), tls));
        client.send("POST /write HTTP/1.1\r\nHost: p\r\nContent-Length: 4\r\n\r\nbody");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, status);
        QCOMPARE(h.upstream.requests().size(), status == 200 ? 1 : 0);
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::InboundRejected),
                 status == 200 ? 0u : 1u);
    }
};

QTEST_GUILESS_MAIN(tst_ProxyInbound)
#include "tst_ProxyInbound.moc"
