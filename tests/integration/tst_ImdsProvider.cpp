#include "auth/providers/ImdsProvider.h"
#include "core/SystemClock.h"
#include "protocol/FakeImds.h"
#include "support/ProviderTestKit.h"
#include "support/ProxyTrap.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTest>

#include <memory>

using aap::auth::ImdsProvider;
using aap::auth::ManagedIdentitySelector;
using aap::auth::TokenError;
using aap::auth::TokenHttpClient;
using aap::auth::TokenProvider;
using aap::test::FakeImds;
using aap::test::FakeTokenServer;
using Fault = aap::test::FakeTokenServer::Fault;
using namespace std::chrono_literals;
using Kit = aap::test::ProviderTestKit;
using aap::test::ProxyTrap;

namespace {

const QString kResource = QStringLiteral("https://monitor.azure.com");

// One raw request to the fake; nullopt when nothing came back in 5 s.
std::optional<TokenHttpClient::Result> rawGet(TokenHttpClient &http, const QUrl &url,
                                              const TokenHttpClient::Headers &headers)
{
    std::optional<TokenHttpClient::Result> out;
    TokenHttpClient::Request request;
    request.url = url;
    request.headers = headers;
    http.get(request, [&out](TokenHttpClient::Result result) { out.emplace(std::move(result)); });
    QElapsedTimer timer;
    timer.start();
    while (!out && timer.elapsed() < 5000) {
        QTest::qWait(5);
    }
    return out;
}

ImdsProvider::Options optionsFor(const FakeImds &imds, ManagedIdentitySelector identity = {})
{
    ImdsProvider::Options options;
    options.identity = std::move(identity);
    options.authorityHost = imds.authorityHost();
    return options;
}

} // namespace

class tst_ImdsProvider : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void systemAssignedToken()
    {
        aap::SystemClock clock;
        FakeImds imds;
        TokenHttpClient http(clock, {});
        ImdsProvider provider(http, clock, optionsFor(imds));
        const auto before = clock.now();
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY2(outcome->result->has_value(), qPrintable(Kit::errorText(*outcome->result)));
        const auto &token = outcome->result->value();
        QVERIFY(token.value == imds.lastIssuedToken());
        QVERIFY(token.expiresOn >= before + 86399s && token.expiresOn <= clock.now() + 86399s);
        QVERIFY(!token.refreshOn.has_value());

        const auto request = imds.lastRequest();
        QCOMPARE(request.method, QByteArrayLiteral("GET"));
        QCOMPARE(request.path, QByteArrayLiteral("/metadata/identity/oauth2/token"));
        QCOMPARE(request.rawQuery,
                 QByteArrayLiteral("api-version=2018-02-01&resource=https%3A%2F%2Fmonitor.azure.com"));
        QCOMPARE(request.header("Metadata"), QByteArrayLiteral("true"));
        QCOMPARE(request.headerCount("X-Forwarded-For"), 0);
        QCOMPARE(request.headerCount("Authorization"), 0);
        QCOMPARE(imds.requestCount(), 1);
        QCOMPARE(provider.describe(), QStringLiteral("imds (system-assigned)"));
    }

    void defaultScopeIsStripped()
    {
        aap::SystemClock clock;
        FakeImds imds;
        TokenHttpClient http(clock, {});
        ImdsProvider provider(http, clock, optionsFor(imds));
        auto outcome = Kit::fetchNow(provider, QStringLiteral("https://monitor.azure.com/.default"));
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY(outcome->result->has_value());
        QCOMPARE(imds.lastRequest().queryValue(QStringLiteral("resource")), kResource);
    }

    void userAssignedSelectors_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("parameter");
        QTest::newRow("client_id") << static_cast<int>(ManagedIdentitySelector::Kind::ClientId)
                                   << QStringLiteral("11111111-2222-3333-4444-555555555555")
                                   << QStringLiteral("client_id");
        QTest::newRow("object_id") << static_cast<int>(ManagedIdentitySelector::Kind::ObjectId)
                                   << QStringLiteral("99999999-8888-7777-6666-555555555555")
                                   << QStringLiteral("object_id");
        QTest::newRow("msi_res_id")
            << static_cast<int>(ManagedIdentitySelector::Kind::ResourceId)
            << QStringLiteral("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/"
                              "userAssignedIdentities/id one")
            << QStringLiteral("msi_res_id");
    }

    void userAssignedSelectors()
    {
        QFETCH(int, kind);
        QFETCH(QString, value);
        QFETCH(QString, parameter);
        aap::SystemClock clock;
        FakeImds imds;
        imds.addUserAssigned(
            {QStringLiteral("11111111-2222-3333-4444-555555555555"),
             QStringLiteral("99999999-8888-7777-6666-555555555555"),
             QStringLiteral("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/"
                            "userAssignedIdentities/id one")});
        TokenHttpClient http(clock, {});
        ImdsProvider provider(http, clock,
                              optionsFor(imds, {static_cast<ManagedIdentitySelector::Kind>(kind), value}));
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY2(outcome->result->has_value(), qPrintable(Kit::errorText(*outcome->result)));
        const auto request = imds.lastRequest();
        QCOMPARE(request.queryCount(parameter), 1);
        QCOMPARE(request.queryValue(parameter), value);
        QCOMPARE(request.query.size(), 3);
        QVERIFY(!request.rawQuery.contains(' '));
        QVERIFY(provider.describe().contains(value));
        QVERIFY(provider.describe().startsWith(QLatin1String("imds (user-assigned, ")));
    }

    void unknownUserAssignedIsNotRetryable()
    {
        aap::SystemClock clock;
        FakeImds imds;
        TokenHttpClient http(clock, {});
        ImdsProvider provider(
            http, clock, optionsFor(imds, {ManagedIdentitySelector::Kind::ClientId, QStringLiteral("nope")}));
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY(!outcome->result->has_value());
        const TokenError &error = outcome->result->error();
        QCOMPARE(error.kind, TokenError::Kind::Http);
        QCOMPARE(error.httpStatus, 400);
        QCOMPARE(error.code, QStringLiteral("invalid_request"));
        QVERIFY(!error.retryable);
    }

    void faultsBecomeTokenErrors_data()
    {
        QTest::addColumn<int>("faultKind");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("retryAfterHeader");
        QTest::addColumn<int>("expectedKind");
        QTest::addColumn<int>("expectedStatus");
        QTest::addColumn<QString>("expectedCode");
        QTest::addColumn<bool>("expectedRetryable");
        QTest::addColumn<int>("expectedRetryAfter"); // -1 = none

        const int status = static_cast<int>(Fault::Kind::Status);
        const int http = static_cast<int>(TokenError::Kind::Http);
        const int malformed = static_cast<int>(TokenError::Kind::Malformed);
        const QByteArray unknown = FakeTokenServer::errorJson(QStringLiteral("unknown"), QStringLiteral("x"));
        QTest::newRow("500") << status << 500 << unknown << QByteArray() << http << 500
                             << QStringLiteral("unknown") << true << -1;
        QTest::newRow("503 retry-after") << status << 503 << QByteArray() << QByteArrayLiteral("3") << http
                                         << 503 << QStringLiteral("injected") << true << 3;
        QTest::newRow("429 retry-after") << status << 429 << QByteArray() << QByteArrayLiteral("12") << http
                                         << 429 << QStringLiteral("injected") << true << 12;
        QTest::newRow("410 updating") << status << 410 << QByteArray() << QByteArray() << http << 410
                                      << QStringLiteral("injected") << true << -1;
        QTest::newRow("404 updating") << status << 404 << QByteArray() << QByteArray() << http << 404
                                      << QStringLiteral("injected") << true << -1;
        QTest::newRow("400 invalid_resource")
            << status << 400
            << FakeTokenServer::errorJson(QStringLiteral("invalid_resource"), QStringLiteral("AADSTS500011"))
            << QByteArray() << http << 400 << QStringLiteral("invalid_resource") << false << -1;
        QTest::newRow("401 unknown_source")
            << status << 401
            << FakeTokenServer::errorJson(QStringLiteral("unknown_source"), QStringLiteral("x"))
            << QByteArray() << http << 401 << QStringLiteral("unknown_source") << false << -1;
        QTest::newRow("403") << status << 403 << QByteArray() << QByteArray() << http << 403
                             << QStringLiteral("injected") << false << -1;
        QTest::newRow("bad json") << static_cast<int>(Fault::Kind::BadJson) << 0 << QByteArray()
                                  << QByteArray() << malformed << 200 << QString() << true << -1;
        QTest::newRow("html 200") << static_cast<int>(Fault::Kind::Html200) << 0 << QByteArray()
                                  << QByteArray() << malformed << 200 << QString() << true << -1;
        QTest::newRow("missing access_token")
            << static_cast<int>(Fault::Kind::MissingAccessToken) << 0 << QByteArray() << QByteArray()
            << malformed << 200 << QString() << true << -1;
        QTest::newRow("huge body") << static_cast<int>(Fault::Kind::HugeBody) << 0 << QByteArray()
                                   << QByteArray() << malformed << 0 << QString() << true << -1;
        QTest::newRow("huge content-length")
            << static_cast<int>(Fault::Kind::HugeContentLength) << 0 << QByteArray() << QByteArray()
            << malformed << 0 << QString() << true << -1;
    }

    void faultsBecomeTokenErrors()
    {
        QFETCH(int, faultKind);
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, retryAfterHeader);
        QFETCH(int, expectedKind);
        QFETCH(int, expectedStatus);
        QFETCH(QString, expectedCode);
        QFETCH(bool, expectedRetryable);
        QFETCH(int, expectedRetryAfter);

        aap::SystemClock clock;
        FakeImds imds;
        Fault fault = Fault::of(static_cast<Fault::Kind>(faultKind));
        if (fault.kind == Fault::Kind::Status) {
            aap::test::RecordedRequest::Headers headers;
            if (!retryAfterHeader.isEmpty()) {
                headers.append(qMakePair(QByteArrayLiteral("Retry-After"), retryAfterHeader));
            }
            fault = Fault::withStatus(status, body, headers);
        }
        imds.injectFault(fault);
        TokenHttpClient http(clock, {});
        ImdsProvider provider(http, clock, optionsFor(imds));
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 10000);
        QVERIFY(!outcome->result->has_value());
        const TokenError &error = outcome->result->error();
        QCOMPARE(static_cast<int>(error.kind), expectedKind);
        QCOMPARE(error.httpStatus, expectedStatus);
        QCOMPARE(error.code, expectedCode);
        QCOMPARE(error.retryable, expectedRetryable);
        if (expectedRetryAfter < 0) {
            QVERIFY(!error.retryAfter.has_value());
        } else {
            QCOMPARE(error.retryAfter,
                     std::optional<std::chrono::seconds>(std::chrono::seconds{expectedRetryAfter}));
        }
        QVERIFY(!error.description.isEmpty());

        // The fault was one-shot: the next fetch succeeds.
        auto again = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(again->result.has_value(), 30'000);
        QVERIFY(again->result->has_value());
    }

    void hangingImdsTimesOut()
    {
        aap::SystemClock clock;
        FakeImds imds;
        imds.injectFault(Fault::of(Fault::Kind::Hang));
        TokenHttpClient::Options options;
        options.requestTimeout = 300ms;
        TokenHttpClient http(clock, options);
        ImdsProvider provider(http, clock, optionsFor(imds));
        QElapsedTimer elapsed;
        elapsed.start();
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY(!outcome->result->has_value());
        QCOMPARE(outcome->result->error().kind, TokenError::Kind::Timeout);
        QVERIFY(outcome->result->error().retryable);
        QVERIFY2(elapsed.elapsed() >= 250 && elapsed.elapsed() < 3000,
                 qPrintable(QString::number(elapsed.elapsed())));
    }

    void neverProxied()
    {
        aap::SystemClock clock;
        FakeImds imds;
        ProxyTrap proxy;
        TokenHttpClient::Options options;
        options.proxy.httpsProxy = proxy.url();
        TokenHttpClient http(clock, options);
        ImdsProvider provider(http, clock, optionsFor(imds));
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY(outcome->result->has_value());
        QCOMPARE(imds.requestCount(), 1);
        QCOMPARE(proxy.connections(), 0);
    }

    void hostFromEnvironment()
    {
        aap::SystemClock clock;
        FakeImds imds;
        QProcessEnvironment environment;
        environment.insert(QStringLiteral("AZURE_POD_IDENTITY_AUTHORITY_HOST"),
                           imds.authorityHost().toString() + u'/');
        const auto options = ImdsProvider::Options::fromEnvironment({}, environment);
        TokenHttpClient http(clock, {});
        ImdsProvider provider(http, clock, options);
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY(outcome->result->has_value());
        QCOMPARE(imds.lastRequest().path, QByteArrayLiteral("/metadata/identity/oauth2/token"));
        QCOMPARE(ImdsProvider::Options::fromEnvironment({}, QProcessEnvironment()).authorityHost,
                 QUrl(QStringLiteral("http://169.254.169.254")));
    }

    void destroyedProviderDoesNotCallBack()
    {
        aap::SystemClock clock;
        FakeImds imds;
        imds.injectFault(Fault::of(Fault::Kind::Hang));
        TokenHttpClient::Options options;
        options.requestTimeout = 100ms;
        TokenHttpClient http(clock, options);
        auto provider = std::make_unique<ImdsProvider>(http, clock, optionsFor(imds));
        bool called = false;
        provider->fetch(kResource, [&called](const TokenProvider::Result &) { called = true; });
        QTRY_COMPARE_WITH_TIMEOUT(imds.requestCount(), 1, 5000);
        provider.reset();
        QTRY_COMPARE_WITH_TIMEOUT(http.pendingCount(), 0, 5000); // the time-out fired
        QVERIFY(!called);
    }

    // The fake is as strict as IMDS: each malformed request gets IMDS's error.
    void fakeIsStrict_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QByteArray>("metadata"); // "" = header absent
        QTest::addColumn<bool>("forwardedFor");
        QTest::addColumn<QString>("expectedCode");

        const QString good =
            QStringLiteral("api-version=2018-02-01&resource=https%3A%2F%2Fmonitor.azure.com");
        QTest::newRow("no Metadata") << good << QByteArray() << false << QStringLiteral("bad_request_102");
        QTest::newRow("Metadata True")
            << good << QByteArrayLiteral("True") << false << QStringLiteral("bad_request_102");
        QTest::newRow("X-Forwarded-For")
            << good << QByteArrayLiteral("true") << true << QStringLiteral("bad_request");
        QTest::newRow("repeated resource")
            << good + QStringLiteral("&resource=x") << QByteArrayLiteral("true") << false
            << QStringLiteral("invalid_request");
        QTest::newRow("no api-version") << QStringLiteral("resource=x") << QByteArrayLiteral("true") << false
                                        << QStringLiteral("invalid_request");
        QTest::newRow("unknown api-version")
            << QStringLiteral("api-version=2099-01-01&resource=x") << QByteArrayLiteral("true") << false
            << QStringLiteral("invalid_request");
        QTest::newRow("/.default")
            << QStringLiteral("api-version=2018-02-01&resource=https://monitor.azure.com/.default")
            << QByteArrayLiteral("true") << false << QStringLiteral("invalid_resource");
        QTest::newRow("two selectors")
            << good + QStringLiteral("&client_id=a&object_id=b") << QByteArrayLiteral("true") << false
            << QStringLiteral("invalid_request");
        QTest::newRow("unknown parameter")
            << good + QStringLiteral("&mi_res_id=a") << QByteArrayLiteral("true") << false
            << QStringLiteral("invalid_request");
    }

    void fakeIsStrict()
    {
        QFETCH(QString, query);
        QFETCH(QByteArray, metadata);
        QFETCH(bool, forwardedFor);
        QFETCH(QString, expectedCode);
        aap::SystemClock clock;
        FakeImds imds;
        TokenHttpClient http(clock, {});
        QUrl url = imds.authorityHost().resolved(QUrl(QStringLiteral("/metadata/identity/oauth2/token")));
        url.setQuery(query, QUrl::StrictMode);
        TokenHttpClient::Headers headers;
        if (!metadata.isEmpty()) {
            headers.append(qMakePair(QByteArrayLiteral("Metadata"), metadata));
        }
        if (forwardedFor) {
            headers.append(qMakePair(QByteArrayLiteral("X-Forwarded-For"), QByteArrayLiteral("10.0.0.1")));
        }
        const auto result = rawGet(http, url, headers);
        QVERIFY(result && result->has_value());
        QCOMPARE(result->value().status, 400);
        QCOMPARE(ImdsProvider::httpError(result->value()).code, expectedCode);
        QVERIFY(imds.lastIssuedToken().isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_ImdsProvider)
#include "tst_ImdsProvider.moc"
