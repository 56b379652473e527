// aad-auth-proxy-emulator's services, in process, driven by the service's real token providers:
// IMDS, Arc HIMDS (challenge file) and Entra ID (client secret and certificate over TLS with the
// generated CA) hand out signed JWTs with the claims a real token carries; the sample upstream
// accepts them and echoes without the token, and refuses missing, forged and expired ones; the
// control endpoint injects 500, 429 with Retry-After and expired tokens.
#include "auth/ProviderFactory.h"
#include "auth/providers/ArcProvider.h"
#include "auth/providers/ImdsProvider.h"
#include "auth/providers/TokenHttpClient.h"
#include "core/SystemClock.h"
#include "emulation/Emulator.h"
#include "jwt/JwtClaims.h"
#include "support/ProviderTestKit.h"

#include <QDateTime>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

using namespace std::chrono_literals;
using namespace Qt::StringLiterals;
using aap::auth::ArcProvider;
using aap::auth::ImdsProvider;
using aap::auth::ProviderFactory;
using aap::auth::TokenHttpClient;
using aap::auth::TokenProvider;
using aap::emulator::Emulator;
using aap::emulator::EmulatorOptions;
using aap::jwt::JwtClaims;
using Kit = aap::test::ProviderTestKit;

namespace {

constexpr qint64 kLifetime = 600;
// RSA key generation and TLS handshakes are slow on a loaded machine.
constexpr int kTimeoutMs = 30'000;

struct HttpAnswer {
    int status = 0;
    QByteArray body;
    QByteArray wwwAuthenticate;
};

qint64 nowSeconds()
{
    return QDateTime::currentSecsSinceEpoch();
}

} // namespace

class tst_Emulator : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_directory;
    std::unique_ptr<Emulator> m_emulator;
    QHash<QString, QString> m_env;
    aap::SystemClock m_clock;
    std::unique_ptr<TokenHttpClient> m_http;
    QNetworkAccessManager m_network;

    std::optional<HttpAnswer> send(const QByteArray &method, const QUrl &url, const QByteArray &bearer = {})
    {
        QNetworkRequest request(url);
        if (!bearer.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + bearer);
        QNetworkReply *reply = m_network.sendCustomRequest(request, method);
        QDeadlineTimer deadline(kTimeoutMs);
        while (!reply->isFinished() && !deadline.hasExpired())
            QTest::qWait(10);
        std::optional<HttpAnswer> answer;
        if (reply->isFinished()) {
            answer.emplace();
            answer->status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            answer->body = reply->readAll();
            answer->wwwAuthenticate = reply->rawHeader("WWW-Authenticate");
        }
        reply->abort();
        reply->deleteLater();
        return answer;
    }

    QUrl url(const QString &name, const QString &path = {}) const { return QUrl(m_env.value(name) + path); }

    // A token from provider, checked to be a JWT issued now for kLifetime seconds by the
    // emulator's tenant for the audience; empty on failure (the test has failed then).
    QByteArray fetchJwt(TokenProvider &provider, JwtClaims &claims)
    {
        const qint64 before = nowSeconds();
        auto outcome = Kit::fetchNow(provider);
        QDeadlineTimer deadline(kTimeoutMs);
        while (!outcome->result && !deadline.hasExpired())
            QTest::qWait(10);
        if (!outcome->result) {
            qWarning("no token within the time limit");
            return {};
        }
        if (!outcome->result->has_value()) {
            qWarning().noquote() << "token error:" << Kit::errorText(*outcome->result);
            return {};
        }
        const QByteArray token = outcome->result->value().value;
        auto decoded = JwtClaims::decode(token);
        if (!decoded) {
            qWarning().noquote() << "not a JWT:" << decoded.error().summary();
            return {};
        }
        claims = *decoded;
        const bool shaped =
            claims.algorithm == QLatin1String("RS256") && claims.audiences == QStringList{Kit::resource()} &&
            claims.tenantId == m_env.value(QStringLiteral("AAP_EMULATOR_TENANT_ID")) &&
            claims.issuer.contains(claims.tenantId) && !claims.objectId.isEmpty() && claims.issuedAt &&
            claims.notBefore && claims.expiresAt && *claims.notBefore >= before - 1 &&
            *claims.notBefore <= nowSeconds() + 1 && *claims.expiresAt - *claims.issuedAt == kLifetime;
        if (!shaped) {
            qWarning().noquote() << "unexpected claims: aud" << claims.audiences << "tid" << claims.tenantId
                                 << "iss" << claims.issuer;
            return {};
        }
        return token;
    }

    ImdsProvider::Options imdsOptions() const
    {
        ImdsProvider::Options options;
        options.authorityHost = url(QStringLiteral("AAP_EMULATOR_IMDS"));
        return options;
    }

    void fault(const QString &query, int expectedStatus = 204)
    {
        const auto answer = send("POST", url(QStringLiteral("AAP_EMULATOR_CONTROL"), u"/faults?"_s + query));
        QVERIFY(answer.has_value());
        QCOMPARE(answer->status, expectedStatus);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_directory.isValid());
        EmulatorOptions options;
        options.stateDirectory = m_directory.filePath(QStringLiteral("state"));
        options.tokenLifetime = kLifetime;
        m_emulator = std::make_unique<Emulator>(options);
        const auto started = m_emulator->start();
        QVERIFY2(started.has_value(), started ? "" : qPrintable(started.error()));

        QFile env(m_directory.filePath(QStringLiteral("state/emulator.env")));
        QVERIFY(env.open(QIODevice::ReadOnly));
        QCOMPARE(env.permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup),
                 QFileDevice::Permissions());
        for (const QByteArray &line : env.readAll().split('\n')) {
            const qsizetype eq = line.indexOf('=');
            if (line.startsWith('#') || eq < 0)
                continue;
            QByteArray value = line.mid(eq + 1);
            QVERIFY(value.startsWith('\'') && value.endsWith('\''));
            m_env.insert(QString::fromUtf8(line.left(eq)), QString::fromUtf8(value.mid(1, value.size() - 2)));
        }
        for (const char *name :
             {"AAP_EMULATOR_IMDS", "AAP_EMULATOR_ARC_IDENTITY_ENDPOINT", "AAP_EMULATOR_AUTHORITY",
              "AAP_EMULATOR_UPSTREAM", "AAP_EMULATOR_CONTROL", "AAP_EMULATOR_CA"}) {
            QVERIFY2(m_env.contains(QString::fromLatin1(name)), name);
            if (!QByteArrayView(name).endsWith("_CA"))
                QVERIFY2(m_env.value(QString::fromLatin1(name)).contains(QLatin1String("://127.0.0.1:")),
                         name);
        }

        TokenHttpClient::Options http;
        http.requestTimeout = 20s;
        http.caBundle = m_env.value(QStringLiteral("AAP_EMULATOR_CA"));
        m_http = std::make_unique<TokenHttpClient>(m_clock, http);
    }

    void cleanupTestCase()
    {
        ArcProvider::setTokenDirectoryForTesting({});
        m_http.reset();
        m_emulator.reset();
    }

    void imdsTokenWorksAtTheUpstream()
    {
        ImdsProvider provider(*m_http, m_clock, imdsOptions());
        JwtClaims claims;
        const QByteArray token = fetchJwt(provider, claims);
        QVERIFY(!token.isEmpty());
        QCOMPARE(claims.clientAppId(), m_env.value(QStringLiteral("AAP_EMULATOR_SYSTEM_IDENTITY_CLIENT_ID")));
        QVERIFY(
            claims.managedIdentityResourceId.contains(QLatin1String("Microsoft.Compute/virtualMachines")));

        const auto echo =
            send("POST", url(QStringLiteral("AAP_EMULATOR_UPSTREAM"), u"/api/v1/write?x=1"_s), token);
        QVERIFY(echo.has_value());
        QCOMPARE(echo->status, 200);
        // The echo shows what arrived and the token's claims, never the token.
        QVERIFY(!echo->body.contains(token));
        QVERIFY(!echo->body.contains(token.split('.').value(2)));
        QVERIFY(echo->body.contains("Bearer <redacted>"));
        const QJsonObject view = QJsonDocument::fromJson(echo->body).object();
        QCOMPARE(view.value(u"method"_s).toString(), u"POST"_s);
        QCOMPARE(view.value(u"target"_s).toString(), u"/api/v1/write?x=1"_s);
        const QJsonObject tokenView = view.value(u"token"_s).toObject();
        QCOMPARE(tokenView.value(u"appid"_s).toString(), claims.clientAppId());
        QCOMPARE(tokenView.value(u"exp"_s).toInteger(), *claims.expiresAt);
        QVERIFY(tokenView.value(u"expires_in_seconds"_s).toInteger() > kLifetime - 60);
    }

    void userAssignedIdentity()
    {
        auto options = imdsOptions();
        options.identity = {aap::auth::ManagedIdentitySelector::Kind::ClientId,
                            m_env.value(QStringLiteral("AAP_EMULATOR_USER_IDENTITY_CLIENT_ID"))};
        ImdsProvider provider(*m_http, m_clock, options);
        JwtClaims claims;
        QVERIFY(!fetchJwt(provider, claims).isEmpty());
        QCOMPARE(claims.clientAppId(), m_env.value(QStringLiteral("AAP_EMULATOR_USER_IDENTITY_CLIENT_ID")));
        QVERIFY(claims.managedIdentityResourceId.contains(QLatin1String("userAssignedIdentities")));
    }

    void upstreamRefusesBadTokens()
    {
        const QUrl upstream = url(QStringLiteral("AAP_EMULATOR_UPSTREAM"), u"/api/v1/query"_s);
        const auto missing = send("GET", upstream);
        QVERIFY(missing.has_value());
        QCOMPARE(missing->status, 401);
        QVERIFY(missing->wwwAuthenticate.startsWith("Bearer "));

        ImdsProvider provider(*m_http, m_clock, imdsOptions());
        JwtClaims claims;
        QByteArray token = fetchJwt(provider, claims);
        QVERIFY(!token.isEmpty());
        // Another signature over the same claims: a forgery.
        token[token.size() - 2] = token.at(token.size() - 2) == 'A' ? 'B' : 'A';
        const auto forged = send("GET", upstream, token);
        QVERIFY(forged.has_value());
        QCOMPARE(forged->status, 401);
        QVERIFY(forged->wwwAuthenticate.contains("error=\"invalid_token\""));
    }

    void arcChallengeFileAndSignedToken()
    {
        ArcProvider::setTokenDirectoryForTesting(m_env.value(QStringLiteral("AAP_EMULATOR_ARC_TOKEN_DIR")));
        ArcProvider::Options options;
        options.identityEndpoint = url(QStringLiteral("AAP_EMULATOR_ARC_IDENTITY_ENDPOINT"));
        ArcProvider provider(*m_http, m_clock, options);
        JwtClaims claims;
        const QByteArray token = fetchJwt(provider, claims);
        QVERIFY(!token.isEmpty());
        QVERIFY(claims.managedIdentityResourceId.contains(QLatin1String("Microsoft.HybridCompute/machines")));
        const auto status = QJsonDocument::fromJson(
                                send("GET", url(QStringLiteral("AAP_EMULATOR_CONTROL"), u"/status"_s))->body)
                                .object();
        QVERIFY(status.value(u"arc_challenges"_s).toInt() >= 1);
        QVERIFY(status.value(u"arc_authorized"_s).toInt() >= 1);
        const auto echo = send("GET", url(QStringLiteral("AAP_EMULATOR_UPSTREAM"), u"/"_s), token);
        QVERIFY(echo.has_value());
        QCOMPARE(echo->status, 200);
    }

    void entraApplication_data()
    {
        QTest::addColumn<bool>("certificate");
        QTest::newRow("client secret file") << false;
        QTest::newRow("certificate assertion") << true;
    }

    void entraApplication()
    {
        QFETCH(bool, certificate);
        aap::config::IdentityConfig identity;
        identity.name = QStringLiteral("app");
        identity.kind = aap::config::IdentityKind::AadApplication;
        identity.tenantId = m_env.value(QStringLiteral("AAP_EMULATOR_TENANT_ID"));
        identity.clientId = m_env.value(QStringLiteral("AAP_EMULATOR_CLIENT_ID"));
        identity.authorityHost = url(QStringLiteral("AAP_EMULATOR_AUTHORITY"));
        if (certificate)
            identity.certificatePath = m_env.value(QStringLiteral("AAP_EMULATOR_CLIENT_CERTIFICATE"));
        else
            identity.clientSecretFile = m_env.value(QStringLiteral("AAP_EMULATOR_CLIENT_SECRET_FILE"));
        ProviderFactory factory(QProcessEnvironment(), m_clock, *m_http);
        auto provider = factory.create(identity);
        QVERIFY2(provider.has_value(), provider ? "" : qPrintable(provider.error()));
        JwtClaims claims;
        const QByteArray token = fetchJwt(**provider, claims);
        QVERIFY(!token.isEmpty());
        QCOMPARE(claims.clientAppId(), identity.clientId);
        QVERIFY(claims.managedIdentityResourceId.isEmpty());
        const auto echo = send("GET", url(QStringLiteral("AAP_EMULATOR_UPSTREAM"), u"/"_s), token);
        QVERIFY(echo.has_value());
        QCOMPARE(echo->status, 200);
    }

    void injectedServerErrorThenRecovery()
    {
        fault(u"service=imds&kind=500&count=1"_s);
        ImdsProvider provider(*m_http, m_clock, imdsOptions());
        auto failed = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(failed->result.has_value(), kTimeoutMs);
        QVERIFY(!failed->result->has_value());
        QCOMPARE(failed->result->error().httpStatus, 500);
        JwtClaims claims;
        QVERIFY(!fetchJwt(provider, claims).isEmpty());
    }

    void injectedThrottlingWithRetryAfter()
    {
        fault(u"service=imds&kind=429&count=1&retry_after=7"_s);
        ImdsProvider provider(*m_http, m_clock, imdsOptions());
        auto throttled = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(throttled->result.has_value(), kTimeoutMs);
        QVERIFY(!throttled->result->has_value());
        QCOMPARE(throttled->result->error().httpStatus, 429);
        QCOMPARE(throttled->result->error().retryAfter, std::optional<std::chrono::seconds>(7s));
        JwtClaims claims;
        QVERIFY(!fetchJwt(provider, claims).isEmpty());
        // Unknown services and kinds are refused, not ignored.
        fault(u"service=none&kind=500"_s, 400);
        fault(u"service=imds&kind=teapot"_s, 400);
    }

    void injectedExpiredTokenIsRefusedUpstream()
    {
        fault(u"service=imds&kind=expired&count=1"_s);
        ImdsProvider provider(*m_http, m_clock, imdsOptions());
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), kTimeoutMs);
        QVERIFY2(outcome->result->has_value(), qPrintable(Kit::errorText(*outcome->result)));
        const QByteArray token = outcome->result->value().value;
        const auto claims = JwtClaims::decode(token);
        QVERIFY(claims.has_value());
        QVERIFY(claims->expiresAt.has_value() && *claims->expiresAt < nowSeconds());
        const auto refused = send("GET", url(QStringLiteral("AAP_EMULATOR_UPSTREAM"), u"/"_s), token);
        QVERIFY(refused.has_value());
        QCOMPARE(refused->status, 401);
        QVERIFY(refused->wwwAuthenticate.contains("error=\"invalid_token\""));
        QVERIFY(!refused->body.contains(token));
    }
};

QTEST_GUILESS_MAIN(tst_Emulator)
#include "tst_Emulator.moc"
