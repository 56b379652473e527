#include "auth/credentials/ClientCertificate.h"
#include "protocol/TestPki.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTest>

using aap::auth::ClientCertificate;
using aap::config::Secret;
using aap::test::TestPki;

namespace {

QByteArray base64Url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

qint64 epochSeconds(aap::Clock::TimePoint time)
{
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

} // namespace

// ClientCertificate: every file layout an operator may hand us, the leaf chosen by its key, and a
// clear, secret-free error for every broken file.
class tst_CredentialLoading : public QObject {
    Q_OBJECT

private:
    TestPki m_pki;
    TestPki::Identity m_client;
    TestPki::Identity m_other;
    TestPki::Identity m_expired;
    TestPki::Identity m_ec;
    const QString m_password = QStringLiteral("Pfx-Pa55word!");

    QString path(const QString &name) const { return m_pki.filePath(name); }

    void verifyIsClient(const ClientCertificate &certificate, qsizetype chainSize)
    {
        const QByteArray der = m_client.certificateDer();
        QVERIFY(certificate.chainDer().first() == der);
        QCOMPARE(certificate.chainDer().size(), chainSize);
        QCOMPARE(certificate.sha1Thumbprint(), m_client.certificate().digest(QCryptographicHash::Sha1));
        QCOMPARE(certificate.sha256Thumbprint(), m_client.certificate().digest(QCryptographicHash::Sha256));
        QCOMPARE(certificate.x5t(), base64Url(QCryptographicHash::hash(der, QCryptographicHash::Sha1)));
        QCOMPARE(certificate.x5tS256(), base64Url(QCryptographicHash::hash(der, QCryptographicHash::Sha256)));
        QCOMPARE(certificate.subject(), QStringLiteral("CN=app,O=Tests"));
        QCOMPARE(epochSeconds(certificate.notAfter()),
                 m_client.certificate().expiryDate().toSecsSinceEpoch());
        QCOMPARE(epochSeconds(certificate.notBefore()),
                 m_client.certificate().effectiveDate().toSecsSinceEpoch());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_pki.isValid());
        m_client = m_pki.issueClient(QStringLiteral("CN=app,O=Tests"));
        m_other = m_pki.issueClient(QStringLiteral("CN=other"));
        m_expired = m_pki.issueClient(QStringLiteral("CN=expired"), TestPki::Validity::Expired);
        m_ec = m_pki.issueClient(QStringLiteral("CN=ec"), TestPki::Validity::Valid, TestPki::KeyType::EcP256);

        QVERIFY(m_client.writePem(path(QStringLiteral("combined.pem"))));
        QVERIFY(m_client.writePem(path(QStringLiteral("combined-key-first.pem")), true));
        QVERIFY(m_client.writeCertificatePem(path(QStringLiteral("cert.pem"))));
        QVERIFY(m_client.writeCertificatePem(path(QStringLiteral("cert-with-ca.pem")), true));
        QVERIFY(m_client.writeKeyPem(path(QStringLiteral("key.pem"))));
        QVERIFY(m_client.writeEncryptedKeyPem(path(QStringLiteral("key-encrypted.pem")), m_password));
        QVERIFY(TestPki::writeFile(path(QStringLiteral("cert.der")), m_client.certificateDer()));
        QVERIFY(m_client.writePfx(path(QStringLiteral("client.pfx")), m_password));
        QVERIFY(m_client.writePfx(path(QStringLiteral("client-open.pfx")), {}));
        QVERIFY(m_client.writePfx(path(QStringLiteral("client-middle.pfx")), m_password,
                                  TestPki::PfxLayout::LeafInMiddle));
        QVERIFY(m_client.writePfx(path(QStringLiteral("client-middle-open.pfx")), {},
                                  TestPki::PfxLayout::LeafInMiddle));
        // Another client's certificate with our key, and the CA before the leaf.
        QVERIFY(TestPki::writeFile(path(QStringLiteral("mismatch.pem")),
                                   m_other.certificatePem() + m_client.keyPem()));
        QVERIFY(TestPki::writeFile(path(QStringLiteral("ca-first.pem")),
                                   m_pki.caCertificate().toPem() + m_other.certificatePem() +
                                       m_client.certificatePem() + m_client.keyPem()));
        QVERIFY(m_expired.writePem(path(QStringLiteral("expired.pem"))));
        QVERIFY(m_ec.writePem(path(QStringLiteral("ec.pem"))));
        QVERIFY(m_ec.writePfx(path(QStringLiteral("ec.pfx")), m_password));
        QVERIFY(m_pki.writeGarbage(path(QStringLiteral("garbage.bin"))));
        QVERIFY(TestPki::writeFile(path(QStringLiteral("garbage.pem")),
                                   QByteArrayLiteral("-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
                                                     "-----END CERTIFICATE-----\n")));
        QVERIFY(TestPki::writeFile(path(QStringLiteral("empty.pem")), {}));
        QVERIFY(QDir(m_pki.directory()).mkdir(QStringLiteral("a-directory")));
    }

    void loadsEveryLayout_data()
    {
        QTest::addColumn<QString>("certificate");
        QTest::addColumn<QString>("key");
        QTest::addColumn<bool>("withPassword");
        QTest::addColumn<int>("chainSize");
        QTest::newRow("one PEM, cert first") << "combined.pem"
                                             << "" << false << 1;
        QTest::newRow("one PEM, key first") << "combined-key-first.pem"
                                            << "" << false << 1;
        QTest::newRow("one PEM, CA and another cert before the leaf") << "ca-first.pem"
                                                                      << "" << false << 3;
        QTest::newRow("cert PEM + key PEM") << "cert.pem"
                                            << "key.pem" << false << 1;
        QTest::newRow("cert PEM with CA + key PEM") << "cert-with-ca.pem"
                                                    << "key.pem" << false << 2;
        QTest::newRow("cert PEM + encrypted key PEM") << "cert.pem"
                                                      << "key-encrypted.pem" << true << 1;
        QTest::newRow("cert DER + key PEM") << "cert.der"
                                            << "key.pem" << false << 1;
        QTest::newRow("PFX with password") << "client.pfx"
                                           << "" << true << 2;
        QTest::newRow("PFX without password") << "client-open.pfx"
                                              << "" << false << 2;
        QTest::newRow("PFX, leaf in the middle") << "client-middle.pfx"
                                                 << "" << true << 3;
        QTest::newRow("PFX, leaf in the middle, no password") << "client-middle-open.pfx"
                                                              << "" << false << 3;
    }

    void loadsEveryLayout()
    {
        QFETCH(QString, certificate);
        QFETCH(QString, key);
        QFETCH(bool, withPassword);
        QFETCH(int, chainSize);
        const auto loaded = ClientCertificate::load(path(certificate), key.isEmpty() ? QString() : path(key),
                                                    withPassword ? Secret(m_password) : Secret());
        QVERIFY2(loaded.has_value(), loaded ? "" : qPrintable(loaded.error().message));
        verifyIsClient(*loaded, chainSize);
        QCOMPARE(loaded->path(), path(certificate));
    }

    void leafInMiddleKeepsChainOrderAndCa()
    {
        const auto loaded =
            ClientCertificate::load(path(QStringLiteral("client-middle.pfx")), {}, Secret(m_password));
        QVERIFY(loaded.has_value());
        QVERIFY(loaded->chainDer().contains(m_pki.caCertificateDer()));
        QVERIFY(loaded->chainDer().contains(m_pki.server().certificateDer()));
        const QStringList x5c = loaded->x5c();
        QCOMPARE(x5c.size(), 3);
        QVERIFY(QByteArray::fromBase64(x5c.first().toLatin1()) == m_client.certificateDer());
    }

    void pemChainIsInFileOrderAfterTheLeaf()
    {
        const auto loaded = ClientCertificate::load(path(QStringLiteral("ca-first.pem")));
        QVERIFY(loaded.has_value());
        QVERIFY(loaded->chainDer().at(1) == m_pki.caCertificateDer());
        QVERIFY(loaded->chainDer().at(2) == m_other.certificateDer());
    }

    void expiredCertificateLoadsWithItsDates()
    {
        const auto loaded = ClientCertificate::load(path(QStringLiteral("expired.pem")));
        QVERIFY(loaded.has_value());
        QVERIFY(loaded->notAfter() < std::chrono::system_clock::now());
        QCOMPARE(epochSeconds(loaded->notAfter()), m_expired.certificate().expiryDate().toSecsSinceEpoch());
    }

    // The same EC files that an assertion refuses are a valid TLS identity (listener, mutual TLS).
    void ecKeysServeTls()
    {
        const auto pem =
            ClientCertificate::load(path(QStringLiteral("ec.pem")), {}, {}, ClientCertificate::KeyUse::Tls);
        QVERIFY2(pem.has_value(), pem ? "" : qPrintable(pem.error().message));
        QVERIFY(pem->chainDer().first() == m_ec.certificateDer());
        const auto pfx = ClientCertificate::load(path(QStringLiteral("ec.pfx")), {}, Secret(m_password),
                                                 ClientCertificate::KeyUse::Tls);
        QVERIFY2(pfx.has_value(), pfx ? "" : qPrintable(pfx.error().message));
        QVERIFY(pfx->nativeKey() != nullptr);
        QVERIFY(!ClientCertificate::load(path(QStringLiteral("ec.pem"))).has_value());
    }

    void reportsClearErrors_data()
    {
        QTest::addColumn<QString>("certificate");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("password");
        QTest::addColumn<QString>("blamedFile");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("missing file") << "nope.pem"
                                      << ""
                                      << ""
                                      << "nope.pem"
                                      << "not found";
        QTest::newRow("missing key file") << "cert.pem"
                                          << "nope.key"
                                          << ""
                                          << "nope.key"
                                          << "not found";
        QTest::newRow("directory") << "a-directory"
                                   << ""
                                   << ""
                                   << "a-directory"
                                   << "not a regular file";
        QTest::newRow("empty file") << "empty.pem"
                                    << ""
                                    << ""
                                    << "empty.pem"
                                    << "empty";
        QTest::newRow("garbage") << "garbage.bin"
                                 << ""
                                 << ""
                                 << "garbage.bin"
                                 << "not a certificate";
        QTest::newRow("garbage with key file") << "garbage.bin"
                                               << "key.pem"
                                               << ""
                                               << "garbage.bin"
                                               << "not a certificate";
        QTest::newRow("broken PEM block") << "garbage.pem"
                                          << ""
                                          << ""
                                          << "garbage.pem"
                                          << "no PEM certificate";
        QTest::newRow("key file is not a key") << "cert.pem"
                                               << "cert.pem"
                                               << ""
                                               << "cert.pem"
                                               << "no private key";
        QTest::newRow("certificate without key") << "cert.pem"
                                                 << ""
                                                 << ""
                                                 << "cert.pem"
                                                 << "no private key";
        QTest::newRow("DER certificate without key") << "cert.der"
                                                     << ""
                                                     << ""
                                                     << "cert.der"
                                                     << "no private key";
        QTest::newRow("key only") << "key.pem"
                                  << ""
                                  << ""
                                  << "key.pem"
                                  << "no PEM certificate";
        QTest::newRow("key matches no certificate") << "mismatch.pem"
                                                    << ""
                                                    << ""
                                                    << "mismatch.pem"
                                                    << "matches none of the 1 certificate";
        QTest::newRow("separate key matches no certificate") << "cert.pem"
                                                             << "ec.pem"
                                                             << ""
                                                             << "ec.pem"
                                                             << "matches none";
        QTest::newRow("wrong PFX password") << "client.pfx"
                                            << ""
                                            << "wrong-password"
                                            << "client.pfx"
                                            << "wrong password";
        QTest::newRow("PFX needs a password") << "client.pfx"
                                              << ""
                                              << ""
                                              << "client.pfx"
                                              << "no password";
        QTest::newRow("encrypted key, wrong password") << "cert.pem"
                                                       << "key-encrypted.pem"
                                                       << "wrong-password"
                                                       << "key-encrypted.pem"
                                                       << "wrong password";
        QTest::newRow("encrypted key, no password") << "cert.pem"
                                                    << "key-encrypted.pem"
                                                    << ""
                                                    << "key-encrypted.pem"
                                                    << "no password";
        QTest::newRow("EC key in PEM") << "ec.pem"
                                       << ""
                                       << ""
                                       << "ec.pem"
                                       << "unsupported key type EC";
        QTest::newRow("EC key in PFX") << "ec.pfx"
                                       << "" << m_password << "ec.pfx"
                                       << "unsupported key type EC";
    }

    void reportsClearErrors()
    {
        QFETCH(QString, certificate);
        QFETCH(QString, key);
        QFETCH(QString, password);
        QFETCH(QString, blamedFile);
        QFETCH(QString, messagePart);
        const auto loaded = ClientCertificate::load(path(certificate), key.isEmpty() ? QString() : path(key),
                                                    Secret(password));
        QVERIFY(!loaded.has_value());
        const aap::auth::CredentialError &error = loaded.error();
        QCOMPARE(error.file, path(blamedFile));
        QVERIFY2(error.message.contains(messagePart), qPrintable(error.message));
        QVERIFY2(error.message.contains(path(blamedFile)), qPrintable(error.message));
        // No secrets in messages: neither the password nor any key material.
        QVERIFY(password.isEmpty() || !error.message.contains(password));
        QVERIFY(!error.message.contains(m_password));
        QVERIFY(!error.message.contains(QStringLiteral("-----")));
        const QString keyBody = QString::fromLatin1(m_client.keyPem().split('\n').value(1));
        QVERIFY(!keyBody.isEmpty() && !error.message.contains(keyBody));
    }

    void fromDataNamesTheGivenPath()
    {
        const auto loaded = ClientCertificate::fromData(m_client.certificatePem() + m_client.keyPem(),
                                                        QStringLiteral("/virtual/cert.pem"));
        QVERIFY(loaded.has_value());
        verifyIsClient(*loaded, 1);
        const auto broken =
            ClientCertificate::fromData(m_client.certificatePem(), QStringLiteral("/virtual/c.pem"),
                                        QByteArrayLiteral("junk"), QStringLiteral("/virtual/k.pem"));
        QVERIFY(!broken.has_value());
        QCOMPARE(broken.error().file, QStringLiteral("/virtual/k.pem"));
    }

    // Declared last, so it runs last: the loader then loads OpenSSL's legacy provider into this
    // process, and earlier tests ran without it.
    void loadsLegacyEncryptedPfx()
    {
        const QString legacy = path(QStringLiteral("legacy.pfx"));
        if (!m_client.writeLegacyPfx(legacy, m_password))
            QSKIP("OpenSSL legacy provider not installed");
        const auto loaded = ClientCertificate::load(legacy, {}, Secret(m_password));
        QVERIFY2(loaded.has_value(), loaded ? "" : qPrintable(loaded.error().message));
        verifyIsClient(*loaded, 2);
    }
};

QTEST_GUILESS_MAIN(tst_CredentialLoading)
#include "tst_CredentialLoading.moc"
