#include "auth/providers/AppServiceProvider.h"
#include "core/SystemClock.h"
#include "protocol/FakeAppService.h"
#include "support/ProviderTestKit.h"
#include "support/ProxyTrap.h"

#include <QTcpServer>
#include <QTest>

#include <memory>

using aap::auth::AppServiceProvider;
using aap::auth::ManagedIdentitySelector;
using aap::auth::TokenError;
using aap::auth::TokenHttpClient;
using aap::test::FakeAppService;
using Fault = aap::test::FakeTokenServer::Fault;
using namespace std::chrono_literals;
using Kit = aap::test::ProviderTestKit;
using aap::test::ProxyTrap;

Q_DECLARE_METATYPE(aap::test::FakeAppService::ExpiryFormat)

namespace {

const QString kResource = QStringLiteral("https://monitor.azure.com");

AppServiceProvider::Options optionsFor(const FakeAppService &service, ManagedIdentitySelector identity = {})
{
    AppServiceProvider::Options options;
    options.identity = std::move(identity);
    options.identityEndpoint = service.identityEndpoint();
    options.identityHeader = aap::config::Secret(QString::fromLatin1(service.identityHeader()));
    return options;
}

} // namespace

class tst_AppServiceProvider : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void systemAssignedWithUnixSecondsExpiry()
    {
        aap::SystemClock clock;
        FakeAppService service;
        ProxyTrap proxy;
        TokenHttpClient::Options httpOptions;
        httpOptions.proxy.httpsProxy = proxy.url();
        TokenHttpClient http(clock, httpOptions);
        AppServiceProvider provider(http, clock, optionsFor(service));
        const auto before = clock.now();
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY2(outcome->result->has_value(), qPrintable(Kit::errorText(*outcome->result)));
        const auto &token = outcome->result->value();
        QVERIFY(token.value == service.lastIssuedToken());
        // expires_on has whole-second resolution.
        QVERIFY(token.expiresOn >= before + 86400s - 1s && token.expiresOn <= clock.now() + 86400s);

        const auto request = service.lastRequest();
        QCOMPARE(request.path, QByteArrayLiteral("/msi/token"));
        QCOMPARE(request.rawQuery,
                 QByteArrayLiteral("resource=https%3A%2F%2Fmonitor.azure.com&api-version=2019-08-01"));
        QVERIFY(request.header("X-IDENTITY-HEADER") == service.identityHeader());
        QCOMPARE(request.headerCount("Metadata"), 0);
        QCOMPARE(request.headerCount("X-Forwarded-For"), 0);
        QCOMPARE(proxy.connections(), 0);
        QCOMPARE(provider.describe(), QStringLiteral("app service (system-assigned)"));
        QVERIFY(!provider.describe().contains(QString::fromLatin1(service.identityHeader())));
    }

    void legacyDateStringExpiry_data()
    {
        QTest::addColumn<FakeAppService::ExpiryFormat>("format");
        QTest::newRow("MM/dd/yyyy HH:mm:ss +00:00") << FakeAppService::ExpiryFormat::LegacyDate;
        QTest::newRow("RFC 3339") << FakeAppService::ExpiryFormat::Rfc3339;
    }

    void legacyDateStringExpiry()
    {
        QFETCH(FakeAppService::ExpiryFormat, format);
        aap::SystemClock clock;
        FakeAppService service;
        service.setExpiryFormat(format);
        service.setLifetime(3600);
        TokenHttpClient http(clock, {});
        AppServiceProvider provider(http, clock, optionsFor(service));
        const auto before = clock.now();
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY2(outcome->result->has_value(), qPrintable(Kit::errorText(*outcome->result)));
        const auto expiresOn = outcome->result->value().expiresOn;
        QVERIFY(expiresOn >= before + 3600s - 1s && expiresOn <= clock.now() + 3600s);
    }

    void userAssignedSelectors_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("parameter");
        QTest::newRow("client_id") << static_cast<int>(ManagedIdentitySelector::Kind::ClientId)
                                   << QStringLiteral("cid") << QStringLiteral("client_id");
        QTest::newRow("principal_id") << static_cast<int>(ManagedIdentitySelector::Kind::ObjectId)
                                      << QStringLiteral("oid") << QStringLiteral("principal_id");
        QTest::newRow("mi_res_id") << static_cast<int>(ManagedIdentitySelector::Kind::ResourceId)
                                   << QStringLiteral("/subscriptions/s/resourcegroups/rg/providers/"
                                                     "Microsoft.ManagedIdentity/userAssignedIdentities/u")
                                   << QStringLiteral("mi_res_id");
    }

    void userAssignedSelectors()
    {
        QFETCH(int, kind);
        QFETCH(QString, value);
        QFETCH(QString, parameter);
        aap::SystemClock clock;
        FakeAppService service;
        service.addUserAssigned({QStringLiteral("cid"), QStringLiteral("oid"),
                                 QStringLiteral("/subscriptions/s/resourcegroups/rg/providers/"
                                                "Microsoft.ManagedIdentity/userAssignedIdentities/u")});
        TokenHttpClient http(clock, {});
        AppServiceProvider provider(
            http, clock, optionsFor(service, {static_cast<ManagedIdentitySelector::Kind>(kind), value}));
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY2(outcome->result->has_value(), qPrintable(Kit::errorText(*outcome->result)));
        QCOMPARE(service.lastRequest().queryValue(parameter), value);
        QCOMPARE(service.lastRequest().query.size(), 3);
    }

    void wrongOrMissingIdentityHeader_data()
    {
        QTest::addColumn<QString>("header");
        QTest::addColumn<int>("status");
        QTest::newRow("wrong") << QStringLiteral("not-the-secret") << 401;
        QTest::newRow("missing") << QString() << 400;
    }

    void wrongOrMissingIdentityHeader()
    {
        QFETCH(QString, header);
        QFETCH(int, status);
        aap::SystemClock clock;
        FakeAppService service;
        TokenHttpClient http(clock, {});
        auto options = optionsFor(service);
        options.identityHeader = aap::config::Secret(header);
        AppServiceProvider provider(http, clock, options);
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY(!outcome->result->has_value());
        QCOMPARE(outcome->result->error().kind, TokenError::Kind::Http);
        QCOMPARE(outcome->result->error().httpStatus, status);
        QVERIFY(!outcome->result->error().retryable);
    }

    void faultsBecomeTokenErrors_data()
    {
        Kit::addFaultColumns();
        Kit::addCommonFaultRows(5, Fault::Kind::HugeContentLength);
    }

    void faultsBecomeTokenErrors()
    {
        aap::SystemClock clock;
        FakeAppService service;
        service.injectFault(Kit::currentFault());
        TokenHttpClient http(clock, {});
        AppServiceProvider provider(http, clock, optionsFor(service));
        Kit::verifyFaultRow(provider);
    }

    void hangTimesOut()
    {
        aap::SystemClock clock;
        FakeAppService service;
        service.injectFault(Fault::of(Fault::Kind::Hang));
        TokenHttpClient::Options options;
        options.requestTimeout = 300ms;
        TokenHttpClient http(clock, options);
        AppServiceProvider provider(http, clock, optionsFor(service));
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY(!outcome->result->has_value());
        QCOMPARE(outcome->result->error().kind, TokenError::Kind::Timeout);
    }

    void optionsFromEnvironment()
    {
        QProcessEnvironment environment;
        environment.insert(QStringLiteral("IDENTITY_ENDPOINT"),
                           QStringLiteral("http://127.0.0.1:41234/msi/token"));
        environment.insert(QStringLiteral("IDENTITY_HEADER"), QStringLiteral("s3cret"));
        const auto options = AppServiceProvider::Options::fromEnvironment({}, environment);
        QCOMPARE(options.identityEndpoint, QUrl(QStringLiteral("http://127.0.0.1:41234/msi/token")));
        QVERIFY(options.identityHeader.reveal() == QStringLiteral("s3cret"));
    }

    void fakeIsStrict_data()
    {
        QTest::addColumn<QString>("query");
        QTest::newRow("no api-version") << QStringLiteral("resource=x");
        QTest::newRow("imds api-version") << QStringLiteral("resource=x&api-version=2018-02-01");
        QTest::newRow("repeated") << QStringLiteral("resource=x&api-version=2019-08-01&resource=y");
        QTest::newRow("msi_res_id") << QStringLiteral("resource=x&api-version=2019-08-01&msi_res_id=y");
        QTest::newRow("two selectors")
            << QStringLiteral("resource=x&api-version=2019-08-01&client_id=a&mi_res_id=b");
        QTest::newRow("/.default") << QStringLiteral("resource=x/.default&api-version=2019-08-01");
    }

    void fakeIsStrict()
    {
        QFETCH(QString, query);
        aap::SystemClock clock;
        FakeAppService service;
        TokenHttpClient http(clock, {});
        TokenHttpClient::Request request;
        request.url = service.identityEndpoint();
        request.url.setQuery(query, QUrl::StrictMode);
        request.headers = {qMakePair(QByteArrayLiteral("X-IDENTITY-HEADER"), service.identityHeader())};
        std::optional<TokenHttpClient::Result> raw;
        http.get(request, [&raw](TokenHttpClient::Result result) { raw.emplace(std::move(result)); });
        QTRY_VERIFY_WITH_TIMEOUT(raw.has_value(), 30'000);
        QVERIFY(raw->has_value());
        QCOMPARE(raw->value().status, 400);
        QVERIFY(service.lastIssuedToken().isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_AppServiceProvider)
#include "tst_AppServiceProvider.moc"
