#include "protocol/TestPki.h"

#include <QSignalSpy>
#include <QSslServer>
#include <QSslSocket>
#include <QTest>

using aap::test::TestPki;

// The test PKI itself: the certificates it makes are what a real TLS stack accepts (or rejects for
// the wrong name), and its file writers produce files Qt can read back.
class tst_TestPki : public QObject {
    Q_OBJECT

private:
    // Connects a QSslSocket trusting the test CA to a QSslServer on 127.0.0.1 and reports whether
    // the handshake succeeded. Bounded by QTRY/QSignalSpy timeouts.
    static bool handshake(const TestPki &pki, bool wrongName, const QString &peerName)
    {
        QSslServer server;
        server.setSslConfiguration(pki.serverConfiguration(wrongName));
        if (!server.listen(QHostAddress::LocalHost, 0))
            return false;
        QSslSocket client;
        client.setSslConfiguration(pki.clientConfiguration());
        client.connectToHostEncrypted(QStringLiteral("127.0.0.1"), server.serverPort(), peerName);
        QSignalSpy encrypted(&client, &QSslSocket::encrypted);
        QSignalSpy errors(&client, &QSslSocket::sslErrors);
        for (int i = 0; i < 100 && encrypted.isEmpty() && errors.isEmpty(); ++i)
            QTest::qWait(50);
        return !encrypted.isEmpty() && errors.isEmpty();
    }

private Q_SLOTS:
    void caAndServerCertificatesAreUsable()
    {
        const TestPki pki;
        QVERIFY(pki.isValid());
        QVERIFY(!pki.caCertificate().isNull());
        QVERIFY(!pki.serverCertificate().isNull());
        QVERIFY(!pki.serverKey().isNull());
        QCOMPARE(pki.serverCertificate().issuerDisplayName(), pki.caCertificate().subjectDisplayName());
        const QList<QSslCertificate> fromFile = QSslCertificate::fromPath(pki.caCertificatePath());
        QCOMPARE(fromFile.size(), 1);
        QCOMPARE(fromFile.first(), pki.caCertificate());
        QCOMPARE(QSslCertificate::fromPath(pki.serverCertificatePath()).value(0), pki.serverCertificate());
        QFile keyFile(pki.serverKeyPath());
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        QVERIFY(QSslKey(keyFile.readAll(), QSsl::Rsa) == pki.serverKey());
        const auto names = pki.serverCertificate().subjectAlternativeNames();
        QVERIFY(names.values(QSsl::DnsEntry).contains(QStringLiteral("localhost")));
        QVERIFY(names.values(QSsl::IpAddressEntry).contains(QStringLiteral("127.0.0.1")));
    }

    void tlsHandshakeVerifiesAgainstTheCa_data()
    {
        QTest::addColumn<bool>("wrongName");
        QTest::addColumn<QString>("peerName");
        QTest::addColumn<bool>("succeeds");
        QTest::newRow("localhost") << false << QStringLiteral("localhost") << true;
        QTest::newRow("ipv4") << false << QStringLiteral("127.0.0.1") << true;
        QTest::newRow("wrong name") << true << QStringLiteral("localhost") << false;
    }

    void tlsHandshakeVerifiesAgainstTheCa()
    {
        QFETCH(bool, wrongName);
        QFETCH(QString, peerName);
        QFETCH(bool, succeeds);
        const TestPki pki;
        QCOMPARE(handshake(pki, wrongName, peerName), succeeds);
    }

    void clientCertificatesDifferAndExpire()
    {
        TestPki pki;
        const TestPki::Identity a = pki.issueClient(QStringLiteral("CN=app-a"));
        const TestPki::Identity b = pki.issueClient(QStringLiteral("CN=app-b,O=Tests"));
        const TestPki::Identity expired =
            pki.issueClient(QStringLiteral("CN=old"), TestPki::Validity::Expired);
        QVERIFY(!a.certificate().isNull() && !b.certificate().isNull() && !expired.certificate().isNull());
        QVERIFY(a.key().toPem() != b.key().toPem());
        QCOMPARE(b.certificate().subjectInfo(QSslCertificate::Organization),
                 QStringList{QStringLiteral("Tests")});
        QVERIFY(a.certificate().expiryDate() > QDateTime::currentDateTimeUtc());
        QVERIFY(expired.certificate().expiryDate() < QDateTime::currentDateTimeUtc());
        QCOMPARE(a.chainDer().size(), 2);
        QCOMPARE(a.chainDer().at(1), pki.caCertificateDer());
    }

    void fileWritersProduceReadableFiles()
    {
        TestPki pki;
        const TestPki::Identity client = pki.issueClient(QStringLiteral("CN=app"));
        const QString combined = pki.filePath(QStringLiteral("client.pem"));
        const QString cert = pki.filePath(QStringLiteral("client.crt"));
        const QString key = pki.filePath(QStringLiteral("client.key"));
        const QString pfx = pki.filePath(QStringLiteral("client.pfx"));
        const QString pfxOpen = pki.filePath(QStringLiteral("client-open.pfx"));
        const QString pfxMiddle = pki.filePath(QStringLiteral("client-middle.pfx"));
        QVERIFY(client.writePem(combined));
        QVERIFY(client.writeCertificatePem(cert, true));
        QVERIFY(client.writeKeyPem(key));
        QVERIFY(client.writePfx(pfx, QStringLiteral("pfx-pass")));
        QVERIFY(client.writePfx(pfxOpen, {}));
        QVERIFY(client.writePfx(pfxMiddle, QStringLiteral("pfx-pass"), TestPki::PfxLayout::LeafInMiddle));
        QVERIFY(pki.writeGarbage(pki.filePath(QStringLiteral("garbage"))));

        QCOMPARE(QSslCertificate::fromPath(combined).value(0), client.certificate());
        QCOMPARE(QSslCertificate::fromPath(cert).size(), 2);

        // Qt's own PKCS#12 reader agrees with what the files contain.
        for (const auto &[path, password] :
             {std::pair{pfx, QByteArrayLiteral("pfx-pass")}, std::pair{pfxOpen, QByteArray()},
              std::pair{pfxMiddle, QByteArrayLiteral("pfx-pass")}}) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            QSslKey parsedKey;
            QSslCertificate parsedCertificate;
            QList<QSslCertificate> parsedChain;
            QVERIFY2(
                QSslCertificate::importPkcs12(&file, &parsedKey, &parsedCertificate, &parsedChain, password),
                qPrintable(path));
            QVERIFY(parsedKey == client.key());
            QCOMPARE(parsedCertificate, client.certificate());
            QVERIFY(parsedChain.contains(pki.caCertificate()));
        }
    }

    void keysAreReusedAcrossInstances()
    {
        TestPki first;
        TestPki second;
        QVERIFY(first.issueClient(QStringLiteral("CN=x")).keyPem() ==
                second.issueClient(QStringLiteral("CN=y")).keyPem());
        QVERIFY(first.caCertificate() != second.caCertificate());
    }
};

QTEST_GUILESS_MAIN(tst_TestPki)
#include "tst_TestPki.moc"
