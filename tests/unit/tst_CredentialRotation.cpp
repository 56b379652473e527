#include "auth/credentials/ClientAssertion.h"
#include "auth/credentials/ReloadingClientCertificate.h"
#include "protocol/JwtVerifier.h"
#include "protocol/TestPki.h"
#include "support/FakeClock.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using aap::auth::ClientAssertion;
using aap::auth::ReloadingClientCertificate;
using aap::config::AssertionAlgorithm;
using aap::config::Secret;
using aap::test::TestPki;

namespace {

const QString tokenUrl = QStringLiteral("https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token");
const QString clientId = QStringLiteral("client-1");

QByteArray base64Url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QString thumbprintOf(const TestPki::Identity &identity)
{
    return QString::fromLatin1(
        base64Url(QCryptographicHash::hash(identity.certificateDer(), QCryptographicHash::Sha1)));
}

} // namespace

// "A replaced certificate file is picked up without restart": each assertion is built from the
// certificate currently on disk; a bad replacement keeps the last good one and is reported once.
class tst_CredentialRotation : public QObject {
    Q_OBJECT

private:
    TestPki m_pki;
    TestPki::Identity m_a;
    TestPki::Identity m_b;
    TestPki::Identity m_c;
    aap::test::FakeClock m_clock{aap::Clock::TimePoint{std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch())}};

    // Builds an assertion from the current certificate, checks it with JwtVerifier, returns its x5t.
    QString assertionThumbprint(ReloadingClientCertificate &reloading,
                                std::optional<aap::auth::CredentialError> *error)
    {
        const auto certificate = reloading.current(error);
        if (!certificate)
            return {};
        const auto jwt = ClientAssertion::build(
            *certificate, {clientId, tokenUrl, AssertionAlgorithm::RS256, false}, m_clock.now());
        if (!jwt)
            return {};
        const QJsonObject header =
            QJsonDocument::fromJson(
                QByteArray::fromBase64(jwt->split('.').at(0), QByteArray::Base64UrlEncoding))
                .object();
        aap::test::JwtVerifier::Expectations expected;
        expected.audience = tokenUrl;
        expected.clientId = clientId;
        expected.now = m_clock.now();
        const QSslCertificate signer(certificate->chainDer().first(), QSsl::Der);
        if (!aap::test::JwtVerifier::verify(*jwt, signer, expected))
            return {};
        return header.value(QStringLiteral("x5t")).toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_a = m_pki.issueClient(QStringLiteral("CN=app-a"));
        m_b = m_pki.issueClient(QStringLiteral("CN=app-b"));
        m_c = m_pki.issueClient(QStringLiteral("CN=app-c"));
    }

    void picksUpReplacedPemAndKeepsTheLastGoodOne()
    {
        const QString path = m_pki.filePath(QStringLiteral("rotating.pem"));
        QVERIFY(m_a.writePem(path));
        ReloadingClientCertificate reloading(path);
        std::optional<aap::auth::CredentialError> error;

        QCOMPARE(assertionThumbprint(reloading, &error), thumbprintOf(m_a));
        QVERIFY(!error);

        // Rewritten in place right away: same inode, likely the same size and timestamp.
        QVERIFY(m_b.writePem(path));
        QCOMPARE(assertionThumbprint(reloading, &error), thumbprintOf(m_b));
        QVERIFY(!error);

        QVERIFY(m_pki.writeGarbage(path));
        QCOMPARE(assertionThumbprint(reloading, &error), thumbprintOf(m_b));
        QVERIFY(error.has_value());
        QCOMPARE(error->file, path);
        QVERIFY(reloading.lastError().has_value());
        // Reported once per file version, not on every assertion.
        QCOMPARE(assertionThumbprint(reloading, &error), thumbprintOf(m_b));
        QVERIFY(!error);
        QVERIFY(reloading.lastError().has_value());

        // Replaced by rename (how Kubernetes and most deploy tools swap files).
        const QString staged = m_pki.filePath(QStringLiteral("staged.pem"));
        QVERIFY(m_c.writePem(staged));
        QVERIFY(QFile::remove(path));
        QVERIFY(QFile::rename(staged, path));
        QCOMPARE(assertionThumbprint(reloading, &error), thumbprintOf(m_c));
        QVERIFY(!error);
        QVERIFY(!reloading.lastError().has_value());
    }

    void unchangedFileIsNotReloaded()
    {
        const QString path = m_pki.filePath(QStringLiteral("stable.pem"));
        QVERIFY(m_a.writePem(path));
        ReloadingClientCertificate reloading(path);
        QVERIFY(reloading.refresh().reloaded);
        // Same content written again: the content hash shows nothing changed.
        QVERIFY(m_a.writePem(path));
        const auto check = reloading.refresh();
        QVERIFY(!check.reloaded);
        QVERIFY(!check.error);
        QVERIFY(reloading.certificate().has_value());
    }

    void missingFileThenAppears()
    {
        const QString path = m_pki.filePath(QStringLiteral("late.pem"));
        ReloadingClientCertificate reloading(path);
        std::optional<aap::auth::CredentialError> error;
        const auto first = reloading.current(&error);
        QVERIFY(!first.has_value());
        QVERIFY(first.error().message.contains(QStringLiteral("not found")));
        QVERIFY(error.has_value());
        // Still missing: same error from current(), not reported again.
        QVERIFY(!reloading.current(&error).has_value());
        QVERIFY(!error);
        QVERIFY(m_b.writePem(path));
        QCOMPARE(assertionThumbprint(reloading, &error), thumbprintOf(m_b));
        // Deleted later: keep using the loaded certificate, report once.
        QVERIFY(QFile::remove(path));
        QCOMPARE(assertionThumbprint(reloading, &error), thumbprintOf(m_b));
        QVERIFY(error.has_value());
        QVERIFY(error->message.contains(QStringLiteral("not found")));
        QCOMPARE(assertionThumbprint(reloading, &error), thumbprintOf(m_b));
        QVERIFY(!error);
    }

    void separateKeyAndPfxRotate()
    {
        const QString certificatePath = m_pki.filePath(QStringLiteral("split.crt"));
        const QString keyPath = m_pki.filePath(QStringLiteral("split.key"));
        QVERIFY(m_a.writeCertificatePem(certificatePath) && m_a.writeKeyPem(keyPath));
        ReloadingClientCertificate split(certificatePath, keyPath);
        std::optional<aap::auth::CredentialError> error;
        QCOMPARE(assertionThumbprint(split, &error), thumbprintOf(m_a));
        // Half-way through a rotation the key no longer matches: keep A, report it.
        QVERIFY(m_b.writeKeyPem(keyPath));
        QCOMPARE(assertionThumbprint(split, &error), thumbprintOf(m_a));
        QVERIFY(error.has_value());
        QCOMPARE(error->file, keyPath);
        QVERIFY(m_b.writeCertificatePem(certificatePath));
        QCOMPARE(assertionThumbprint(split, &error), thumbprintOf(m_b));
        QVERIFY(!error);

        const QString pfxPath = m_pki.filePath(QStringLiteral("rotating.pfx"));
        const QString password = QStringLiteral("secret-pass");
        QVERIFY(m_a.writePfx(pfxPath, password));
        ReloadingClientCertificate pfx(pfxPath, {}, Secret(password));
        QCOMPARE(assertionThumbprint(pfx, &error), thumbprintOf(m_a));
        QVERIFY(m_c.writePfx(pfxPath, password, TestPki::PfxLayout::LeafInMiddle));
        QCOMPARE(assertionThumbprint(pfx, &error), thumbprintOf(m_c));
        QVERIFY(m_b.writePfx(pfxPath, QStringLiteral("another password")));
        QCOMPARE(assertionThumbprint(pfx, &error), thumbprintOf(m_c));
        QVERIFY(error.has_value());
        QVERIFY(error->message.contains(QStringLiteral("wrong password")));
        QVERIFY(!error->message.contains(password));
    }
};

QTEST_GUILESS_MAIN(tst_CredentialRotation)
#include "tst_CredentialRotation.moc"
