#include "auth/credentials/ClientAssertion.h"
#include "auth/credentials/ClientCertificate.h"
#include "auth/credentials/OpenSslPtr.h"
#include "protocol/JwtVerifier.h"
#include "protocol/TestPki.h"
#include "support/FakeClock.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QUuid>

#include <openssl/err.h>
#include <openssl/rsa.h>

using aap::auth::ClientAssertion;
using aap::auth::ClientCertificate;
using aap::config::AssertionAlgorithm;
using aap::test::JwtVerifier;
using aap::test::TestPki;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(AssertionAlgorithm)

namespace {

const QString tokenUrl = QStringLiteral("https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token");
const QString clientId = QStringLiteral("00000000-1111-2222-3333-444444444444");

QByteArray base64Url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QJsonObject decodePart(const QByteArray &part)
{
    return QJsonDocument::fromJson(QByteArray::fromBase64(part, QByteArray::Base64UrlEncoding)).object();
}

qint64 epochSeconds(aap::Clock::TimePoint time)
{
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

// A second, independent check with OpenSSL's verify API and explicit parameters, so the signature
// format does not rest on JwtVerifier alone.
bool opensslVerifies(const QByteArray &jwt, const QByteArray &certificateDer, AssertionAlgorithm algorithm)
{
    namespace ossl = aap::auth::ossl;
    const qsizetype lastDot = jwt.lastIndexOf('.');
    const QByteArray signingInput = jwt.left(lastDot);
    const QByteArray signature = QByteArray::fromBase64(jwt.mid(lastDot + 1), QByteArray::Base64UrlEncoding);
    const ossl::X509Ptr certificate = ossl::certificateFromDer(certificateDer);
    const ossl::PkeyCtx context(EVP_PKEY_CTX_new(X509_get0_pubkey(certificate.get()), nullptr));
    const QByteArray digest = QCryptographicHash::hash(signingInput, QCryptographicHash::Sha256);
    bool ok = context && EVP_PKEY_verify_init(context.get()) == 1 &&
              EVP_PKEY_CTX_set_signature_md(context.get(), EVP_sha256()) == 1;
    if (algorithm == AssertionAlgorithm::PS256)
        ok = ok && EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(context.get(), 32) == 1;
    else
        ok = ok && EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_PADDING) == 1;
    ok = ok && EVP_PKEY_verify(context.get(), reinterpret_cast<const unsigned char *>(signature.constData()),
                               static_cast<std::size_t>(signature.size()),
                               reinterpret_cast<const unsigned char *>(digest.constData()),
                               static_cast<std::size_t>(digest.size())) == 1;
    ERR_clear_error();
    return ok;
}

} // namespace

// ClientAssertion builds what Entra expects (protocols.md 4); JwtVerifier, which the fake Entra
// uses, accepts exactly that and rejects every kind of forgery or mistake.
class tst_ClientAssertion : public QObject {
    Q_OBJECT

private:
    TestPki m_pki;
    TestPki::Identity m_client;
    TestPki::Identity m_other;
    std::optional<ClientCertificate> m_certificate;
    std::optional<ClientCertificate> m_otherCertificate;
    aap::test::FakeClock m_clock{
        aap::Clock::TimePoint{std::chrono::seconds{std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::system_clock::now().time_since_epoch())}}};

    [[nodiscard]] JwtVerifier::Expectations expectations(aap::Clock::TimePoint now) const
    {
        JwtVerifier::Expectations expected;
        expected.audience = tokenUrl;
        expected.clientId = clientId;
        expected.now = now;
        return expected;
    }

    QByteArray build(AssertionAlgorithm algorithm, bool sendChain = false)
    {
        const auto jwt =
            ClientAssertion::build(*m_certificate, {clientId, tokenUrl, algorithm, sendChain}, m_clock.now());
        return jwt ? *jwt : QByteArray();
    }

    // A token whose parts the test controls, signed correctly with the client key.
    QByteArray signedToken(const QJsonObject &header, const QJsonObject &payload,
                           AssertionAlgorithm algorithm)
    {
        const QByteArray input = base64Url(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.' +
                                 base64Url(QJsonDocument(payload).toJson(QJsonDocument::Compact));
        const auto signature = m_certificate->sign(algorithm, input);
        return signature ? QByteArray(input + '.' + base64Url(*signature)) : QByteArray();
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_client = m_pki.issueClient(QStringLiteral("CN=app"));
        m_other = m_pki.issueClient(QStringLiteral("CN=other"));
        QVERIFY(m_client.writePfx(m_pki.filePath(QStringLiteral("client.pfx")), {}));
        QVERIFY(m_other.writePem(m_pki.filePath(QStringLiteral("other.pem"))));
        auto loaded = ClientCertificate::load(m_pki.filePath(QStringLiteral("client.pfx")));
        auto other = ClientCertificate::load(m_pki.filePath(QStringLiteral("other.pem")));
        QVERIFY(loaded && other);
        m_certificate = *loaded;
        m_otherCertificate = *other;
    }

    void buildsAVerifiableAssertion_data()
    {
        QTest::addColumn<AssertionAlgorithm>("algorithm");
        QTest::addColumn<QString>("thumbprintName");
        QTest::addColumn<QString>("otherThumbprintName");
        QTest::addColumn<QCryptographicHash::Algorithm>("hash");
        QTest::newRow("RS256") << AssertionAlgorithm::RS256 << "x5t"
                               << "x5t#S256" << QCryptographicHash::Sha1;
        QTest::newRow("PS256") << AssertionAlgorithm::PS256 << "x5t#S256"
                               << "x5t" << QCryptographicHash::Sha256;
    }

    void buildsAVerifiableAssertion()
    {
        QFETCH(AssertionAlgorithm, algorithm);
        QFETCH(QString, thumbprintName);
        QFETCH(QString, otherThumbprintName);
        QFETCH(QCryptographicHash::Algorithm, hash);
        const QByteArray jwt = build(algorithm);
        QVERIFY(!jwt.isEmpty());
        // Compact form, base64url without padding.
        QCOMPARE(jwt.count('.'), 2);
        QVERIFY(!jwt.contains('=') && !jwt.contains('+') && !jwt.contains('/'));

        const QList<QByteArray> parts = jwt.split('.');
        const QJsonObject header = decodePart(parts.at(0));
        const QString algorithmName = QString::fromLatin1(QTest::currentDataTag());
        QCOMPARE(header.value(QStringLiteral("alg")).toString(), algorithmName);
        QCOMPARE(header.value(QStringLiteral("typ")).toString(), QStringLiteral("JWT"));
        QCOMPARE(header.value(thumbprintName).toString(),
                 QString::fromLatin1(base64Url(QCryptographicHash::hash(m_client.certificateDer(), hash))));
        QVERIFY(!header.contains(otherThumbprintName));
        QVERIFY(!header.contains(QStringLiteral("x5c")));
        QCOMPARE(header.size(), 3);

        const QJsonObject claims = decodePart(parts.at(1));
        const qint64 now = epochSeconds(m_clock.now());
        QCOMPARE(claims.value(QStringLiteral("aud")).toString(), tokenUrl);
        QCOMPARE(claims.value(QStringLiteral("iss")).toString(), clientId);
        QCOMPARE(claims.value(QStringLiteral("sub")).toString(), clientId);
        QCOMPARE(claims.value(QStringLiteral("nbf")).toInteger(), now);
        QCOMPARE(claims.value(QStringLiteral("iat")).toInteger(), now);
        QCOMPARE(claims.value(QStringLiteral("exp")).toInteger(), now + 600);
        QVERIFY(!QUuid::fromString(claims.value(QStringLiteral("jti")).toString()).isNull());

        auto expected = expectations(m_clock.now());
        expected.algorithm = algorithmName;
        const auto verified = JwtVerifier::verify(jwt, m_client.certificate(), expected);
        QVERIFY2(verified.has_value(), verified ? "" : qPrintable(verified.error()));
        QCOMPARE(verified->algorithm, algorithmName);
        QVERIFY(opensslVerifies(jwt, m_client.certificateDer(), algorithm));
        // RS256 signatures are deterministic, PSS ones salted: the other padding must not verify.
        QVERIFY(!opensslVerifies(jwt, m_client.certificateDer(),
                                 algorithm == AssertionAlgorithm::RS256 ? AssertionAlgorithm::PS256
                                                                        : AssertionAlgorithm::RS256));
    }

    void everyAssertionHasAFreshJti()
    {
        const QByteArray first = build(AssertionAlgorithm::RS256);
        const QByteArray second = build(AssertionAlgorithm::RS256);
        const QString firstJti = decodePart(first.split('.').at(1)).value(QStringLiteral("jti")).toString();
        const QString secondJti = decodePart(second.split('.').at(1)).value(QStringLiteral("jti")).toString();
        QVERIFY(!firstJti.isEmpty());
        QVERIFY(firstJti != secondJti);
    }

    void sendsTheChainAsStandardBase64()
    {
        for (const auto algorithm : {AssertionAlgorithm::RS256, AssertionAlgorithm::PS256}) {
            const QByteArray jwt = build(algorithm, true);
            const QJsonArray x5c = decodePart(jwt.split('.').at(0)).value(QStringLiteral("x5c")).toArray();
            QCOMPARE(x5c.size(), 2);
            // Standard alphabet with padding (RFC 7515 4.1.6), leaf first, then the CA.
            QCOMPARE(x5c.at(0).toString(), QString::fromLatin1(m_client.certificateDer().toBase64()));
            QCOMPARE(x5c.at(1).toString(), QString::fromLatin1(m_pki.caCertificateDer().toBase64()));
            auto expected = expectations(m_clock.now());
            expected.requireX5c = true;
            expected.chainDer = m_client.chainDer();
            const auto verified = JwtVerifier::verify(jwt, m_client.certificate(), expected);
            QVERIFY2(verified.has_value(), verified ? "" : qPrintable(verified.error()));
            QCOMPARE(verified->x5cDer.size(), 2);
        }
    }

    void refusesAnExpiredCertificate()
    {
        TestPki::Identity expired = m_pki.issueClient(QStringLiteral("CN=old"), TestPki::Validity::Expired);
        QVERIFY(expired.writePem(m_pki.filePath(QStringLiteral("expired.pem"))));
        const auto certificate = ClientCertificate::load(m_pki.filePath(QStringLiteral("expired.pem")));
        QVERIFY(certificate.has_value());
        const auto jwt = ClientAssertion::build(
            *certificate, {clientId, tokenUrl, AssertionAlgorithm::RS256, false}, m_clock.now());
        QVERIFY(!jwt.has_value());
        QVERIFY(jwt.error().message.contains(QStringLiteral("expired")));
        QCOMPARE(jwt.error().file, m_pki.filePath(QStringLiteral("expired.pem")));
    }

    void verifierAcceptsWithinTheValidityWindow()
    {
        const QByteArray jwt = build(AssertionAlgorithm::PS256);
        QVERIFY(
            JwtVerifier::verify(jwt, m_client.certificate(), expectations(m_clock.now() + 599s)).has_value());
    }

    void verifierRejects_data()
    {
        QTest::addColumn<QString>("mutation");
        QTest::addColumn<QString>("reasonPart");
        QTest::newRow("tampered payload") << "payload"
                                          << "signature";
        QTest::newRow("tampered signature") << "signature"
                                            << "signature";
        QTest::newRow("signed by another key") << "otherKey"
                                               << "x5t";
        QTest::newRow("our header, signed by another key") << "otherKeySameHeader"
                                                           << "signature";
        QTest::newRow("verified against another certificate") << "otherCertificate"
                                                              << "x5t";
        QTest::newRow("wrong thumbprint, valid signature") << "thumbprint"
                                                           << "x5t does not match";
        QTest::newRow("wrong x5t#S256, valid signature") << "thumbprintS256"
                                                         << "x5t#S256 does not match";
        QTest::newRow("no thumbprint") << "noThumbprint"
                                       << "neither x5t";
        QTest::newRow("alg none") << "algNone"
                                  << "alg";
        QTest::newRow("alg HS256") << "algHs256"
                                   << "alg";
        QTest::newRow("alg says PS256, signed RS256") << "algMismatch"
                                                      << "signature";
        QTest::newRow("expected PS256") << "expectPs256"
                                        << "alg is RS256";
        QTest::newRow("typ missing") << "noTyp"
                                     << "typ";
        QTest::newRow("expired") << "expired"
                                 << "expired";
        QTest::newRow("nbf in the future") << "future"
                                           << "nbf";
        QTest::newRow("lifetime too long") << "longLife"
                                           << "5 to 10 minutes";
        QTest::newRow("wrong aud") << "aud"
                                   << "aud";
        QTest::newRow("wrong iss") << "iss"
                                   << "iss";
        QTest::newRow("wrong sub") << "sub"
                                   << "sub";
        QTest::newRow("missing jti") << "noJti"
                                     << "jti missing";
        QTest::newRow("jti not a GUID") << "badJti"
                                        << "GUID";
        QTest::newRow("x5c of another certificate") << "otherX5c"
                                                    << "x5c[0]";
        QTest::newRow("x5c required") << "requireX5c"
                                      << "x5c missing";
        QTest::newRow("padded base64") << "padding"
                                       << "base64url";
        QTest::newRow("two parts") << "twoParts"
                                   << "three";
    }

    void verifierRejects()
    {
        QFETCH(QString, mutation);
        QFETCH(QString, reasonPart);
        const QByteArray good = build(AssertionAlgorithm::RS256);
        QList<QByteArray> parts = good.split('.');
        QJsonObject header = decodePart(parts.at(0));
        QJsonObject payload = decodePart(parts.at(1));
        QSslCertificate certificate = m_client.certificate();
        auto expected = expectations(m_clock.now());
        QByteArray jwt;

        const auto resign = [&](AssertionAlgorithm algorithm = AssertionAlgorithm::RS256) {
            return signedToken(header, payload, algorithm);
        };
        if (mutation == QStringLiteral("payload")) {
            payload.insert(QStringLiteral("sub"), QStringLiteral("someone-else"));
            jwt = parts.at(0) + '.' + base64Url(QJsonDocument(payload).toJson(QJsonDocument::Compact)) + '.' +
                  parts.at(2);
            expected.clientId = QStringLiteral("someone-else");
        } else if (mutation == QStringLiteral("signature")) {
            QByteArray signature = QByteArray::fromBase64(parts.at(2), QByteArray::Base64UrlEncoding);
            signature[10] = static_cast<char>(signature.at(10) ^ 0x01);
            jwt = parts.at(0) + '.' + parts.at(1) + '.' + base64Url(signature);
        } else if (mutation == QStringLiteral("otherKey")) {
            jwt = *ClientAssertion::build(
                *m_otherCertificate, {clientId, tokenUrl, AssertionAlgorithm::RS256, false}, m_clock.now());
        } else if (mutation == QStringLiteral("otherKeySameHeader")) {
            const QByteArray input = parts.at(0) + '.' + parts.at(1);
            jwt = input + '.' + base64Url(*m_otherCertificate->sign(AssertionAlgorithm::RS256, input));
        } else if (mutation == QStringLiteral("otherCertificate")) {
            jwt = good;
            certificate = m_other.certificate();
        } else if (mutation == QStringLiteral("thumbprint")) {
            header.insert(QStringLiteral("x5t"), QString::fromLatin1(m_otherCertificate->x5t()));
            jwt = resign();
        } else if (mutation == QStringLiteral("thumbprintS256")) {
            header.insert(QStringLiteral("x5t#S256"), QString::fromLatin1(m_otherCertificate->x5tS256()));
            jwt = resign();
        } else if (mutation == QStringLiteral("noThumbprint")) {
            header.remove(QStringLiteral("x5t"));
            jwt = resign();
        } else if (mutation == QStringLiteral("algNone")) {
            header.insert(QStringLiteral("alg"), QStringLiteral("none"));
            jwt = resign();
        } else if (mutation == QStringLiteral("algHs256")) {
            header.insert(QStringLiteral("alg"), QStringLiteral("HS256"));
            jwt = resign();
        } else if (mutation == QStringLiteral("algMismatch")) {
            header.insert(QStringLiteral("alg"), QStringLiteral("PS256"));
            jwt = resign(AssertionAlgorithm::RS256);
        } else if (mutation == QStringLiteral("expectPs256")) {
            jwt = good;
            expected.algorithm = QStringLiteral("PS256");
        } else if (mutation == QStringLiteral("crit")) {
            header.insert(QStringLiteral("crit"), QJsonArray{QStringLiteral("exp")});
            jwt = resign();
        } else if (mutation == QStringLiteral("noTyp")) {
            header.remove(QStringLiteral("typ"));
            jwt = resign();
        } else if (mutation == QStringLiteral("expired")) {
            jwt = good;
            expected.now = m_clock.now() + 600s;
        } else if (mutation == QStringLiteral("future")) {
            jwt = good;
            expected.now = m_clock.now() - 1s;
        } else if (mutation == QStringLiteral("longLife")) {
            payload.insert(QStringLiteral("exp"), payload.value(QStringLiteral("nbf")).toInteger() + 601);
            jwt = resign();
        } else if (mutation == QStringLiteral("aud")) {
            jwt = good;
            expected.audience =
                QStringLiteral("https://login.microsoftonline.com/tenant-2/oauth2/v2.0/token");
        } else if (mutation == QStringLiteral("iss")) {
            payload.insert(QStringLiteral("iss"), QStringLiteral("other-client"));
            jwt = resign();
        } else if (mutation == QStringLiteral("sub")) {
            payload.insert(QStringLiteral("sub"), QStringLiteral("other-client"));
            jwt = resign();
        } else if (mutation == QStringLiteral("noJti")) {
            payload.remove(QStringLiteral("jti"));
            jwt = resign();
        } else if (mutation == QStringLiteral("badJti")) {
            payload.insert(QStringLiteral("jti"), QStringLiteral("1"));
            jwt = resign();
        } else if (mutation == QStringLiteral("otherX5c")) {
            header.insert(QStringLiteral("x5c"),
                          QJsonArray{QString::fromLatin1(m_other.certificateDer().toBase64())});
            jwt = resign();
        } else if (mutation == QStringLiteral("requireX5c")) {
            jwt = good;
            expected.requireX5c = true;
        } else if (mutation == QStringLiteral("padding")) {
            jwt = parts.at(0) + "==." + parts.at(1) + '.' + parts.at(2);
        } else if (mutation == QStringLiteral("twoParts")) {
            jwt = parts.at(0) + '.' + parts.at(1);
        }
        QVERIFY(!jwt.isEmpty());
        // The untouched token passes with the untouched expectations: each row fails for its mutation only.
        QVERIFY(JwtVerifier::verify(good, m_client.certificate(), expectations(m_clock.now())).has_value());
        const auto verified = JwtVerifier::verify(jwt, certificate, expected);
        QVERIFY(!verified.has_value());
        QVERIFY2(verified.error().contains(reasonPart), qPrintable(verified.error()));
    }
};

QTEST_GUILESS_MAIN(tst_ClientAssertion)
#include "tst_ClientAssertion.moc"
