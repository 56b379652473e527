#include "auth/providers/ArcProvider.h"
#include "auth/providers/ManagedIdentityProvider.h"
#include "core/SystemClock.h"
#include "protocol/FakeAppService.h"
#include "protocol/FakeArc.h"
#include "protocol/FakeImds.h"
#include "support/LogCapture.h"
#include "support/ProviderTestKit.h"

#include <QTest>

#include <memory>

using aap::auth::ArcProvider;
using aap::auth::ManagedIdentityProvider;
using aap::auth::ManagedIdentitySelector;
using aap::auth::TokenError;
using aap::auth::TokenHttpClient;
using Source = aap::auth::ManagedIdentityProvider::Source;
using Kit = aap::test::ProviderTestKit;
using aap::test::LogCapture;

namespace {

const QString kResource = QStringLiteral("https://monitor.azure.com");
const QString kAgent = QStringLiteral("/opt/azcmagent/bin/himds");

QProcessEnvironment environmentOf(const QStringList &assignments)
{
    QProcessEnvironment environment;
    for (const QString &assignment : assignments) {
        const qsizetype eq = assignment.indexOf(u'=');
        environment.insert(assignment.left(eq), assignment.mid(eq + 1));
    }
    return environment;
}

ManagedIdentityProvider::FileProbe agentInstalled(bool installed)
{
    return [installed](const QString &path) { return installed && path == kAgent; };
}

} // namespace

class tst_ManagedIdentityProvider : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cleanup() { ArcProvider::setTokenDirectoryForTesting({}); }

    void sourceSelectionOrder_data()
    {
        QTest::addColumn<QStringList>("environment");
        QTest::addColumn<bool>("agent");
        QTest::addColumn<int>("source");
        const QString endpoint = QStringLiteral("IDENTITY_ENDPOINT=http://127.0.0.1:1/x");
        const QString header = QStringLiteral("IDENTITY_HEADER=h");
        const QString imds = QStringLiteral("IMDS_ENDPOINT=http://127.0.0.1:1");
        QTest::newRow("nothing: imds") << QStringList{} << false << static_cast<int>(Source::Imds);
        QTest::newRow("app service") << QStringList{endpoint, header} << false
                                     << static_cast<int>(Source::AppService);
        QTest::newRow("app service before arc env")
            << QStringList{endpoint, header, imds} << false << static_cast<int>(Source::AppService);
        QTest::newRow("app service before arc agent")
            << QStringList{endpoint, header} << true << static_cast<int>(Source::AppService);
        QTest::newRow("arc env") << QStringList{endpoint, imds} << false << static_cast<int>(Source::Arc);
        QTest::newRow("arc agent binary") << QStringList{} << true << static_cast<int>(Source::Arc);
        QTest::newRow("endpoint alone: imds")
            << QStringList{endpoint} << false << static_cast<int>(Source::Imds);
        QTest::newRow("header alone: imds") << QStringList{header} << false << static_cast<int>(Source::Imds);
        QTest::newRow("imds endpoint alone: imds")
            << QStringList{imds} << false << static_cast<int>(Source::Imds);
        QTest::newRow("blank values ignored")
            << QStringList{QStringLiteral("IDENTITY_ENDPOINT= "), QStringLiteral("IDENTITY_HEADER= ")}
            << false << static_cast<int>(Source::Imds);
        QTest::newRow("pod identity host stays imds")
            << QStringList{QStringLiteral("AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:1")} << false
            << static_cast<int>(Source::Imds);
    }

    void sourceSelectionOrder()
    {
        QFETCH(QStringList, environment);
        QFETCH(bool, agent);
        QFETCH(int, source);
        const auto detection =
            ManagedIdentityProvider::detectSource(environmentOf(environment), agentInstalled(agent));
        QCOMPARE(static_cast<int>(detection.source), source);
        QVERIFY(!detection.reason.isEmpty());
    }

    void appServiceEndToEnd()
    {
        aap::SystemClock clock;
        aap::test::FakeAppService appService;
        aap::test::FakeArc arc;
        aap::test::FakeImds imds;
        TokenHttpClient http(clock, {});
        ManagedIdentityProvider::Options options;
        options.environment = environmentOf(
            {QStringLiteral("IDENTITY_ENDPOINT=") + appService.identityEndpoint().toString(),
             QStringLiteral("IDENTITY_HEADER=") + QString::fromLatin1(appService.identityHeader()),
             QStringLiteral("IMDS_ENDPOINT=") + arc.imdsEndpoint().toString(),
             QStringLiteral("AZURE_POD_IDENTITY_AUTHORITY_HOST=") + imds.authorityHost().toString()});
        options.fileExists = agentInstalled(true);
        LogCapture logs;
        ManagedIdentityProvider provider(http, clock, options);
        QCOMPARE(provider.source(), Source::AppService);
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY2(outcome->result->has_value(), qPrintable(Kit::errorText(*outcome->result)));
        QVERIFY(outcome->result->value().value == appService.lastIssuedToken());
        QCOMPARE(arc.requestCount(), 0);
        QCOMPARE(imds.requestCount(), 0);
        QCOMPARE(provider.describe(), QStringLiteral("app service (system-assigned)"));

        bool logged = false;
        for (const QString &line : LogCapture::lines()) {
            QVERIFY(!line.contains(QString::fromLatin1(appService.identityHeader())));
            logged = logged || (line.contains(QLatin1String("managed identity source chosen")) &&
                                line.contains(QLatin1String("app service")));
        }
        QVERIFY(logged);
    }

    void arcEndToEnd()
    {
        aap::SystemClock clock;
        aap::test::FakeArc arc;
        aap::test::FakeImds imds;
        ArcProvider::setTokenDirectoryForTesting(arc.tokenDirectory());
        TokenHttpClient http(clock, {});
        ManagedIdentityProvider::Options options;
        const QString clientId = QStringLiteral("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
        options.identity = {ManagedIdentitySelector::Kind::ClientId, clientId};
        options.environment = environmentOf(
            {QStringLiteral("IDENTITY_ENDPOINT=") + arc.identityEndpoint().toString(),
             QStringLiteral("IMDS_ENDPOINT=") + arc.imdsEndpoint().toString(),
             QStringLiteral("AZURE_POD_IDENTITY_AUTHORITY_HOST=") + imds.authorityHost().toString()});
        options.fileExists = agentInstalled(false);
        ManagedIdentityProvider provider(http, clock, options);
        QCOMPARE(provider.source(), Source::Arc);
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY2(outcome->result->has_value(), qPrintable(Kit::errorText(*outcome->result)));
        QVERIFY(outcome->result->value().value == arc.lastIssuedToken());
        QCOMPARE(arc.challengeCount(), 1);
        QCOMPARE(imds.requestCount(), 0);
        QCOMPARE(provider.describe(), QStringLiteral("arc (user-assigned, client_id=") + clientId + u')');
    }

    void imdsEndToEnd()
    {
        aap::SystemClock clock;
        aap::test::FakeImds imds;
        TokenHttpClient http(clock, {});
        ManagedIdentityProvider::Options options;
        options.identity = {ManagedIdentitySelector::Kind::ObjectId, QStringLiteral("oid-1")};
        imds.addUserAssigned({QStringLiteral("cid-1"), QStringLiteral("oid-1"), QString()});
        // The pod-identity host as a bare host:port; MSI_ENDPOINT (Cloud Shell) is unsupported: warned.
        const QUrl host = imds.authorityHost();
        options.environment = environmentOf(
            {QStringLiteral("AZURE_POD_IDENTITY_AUTHORITY_HOST=%1:%2").arg(host.host()).arg(host.port()),
             QStringLiteral("MSI_ENDPOINT=http://localhost:50342/oauth2/token")});
        options.fileExists = agentInstalled(false);
        LogCapture logs;
        ManagedIdentityProvider provider(http, clock, options);
        QCOMPARE(provider.source(), Source::Imds);
        QVERIFY(!LogCapture::lines().filter(QStringLiteral("MSI_ENDPOINT is set")).isEmpty());
        auto outcome = Kit::fetchNow(provider);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 30'000);
        QVERIFY2(outcome->result->has_value(), qPrintable(Kit::errorText(*outcome->result)));
        QVERIFY(outcome->result->value().value == imds.lastIssuedToken());
        QCOMPARE(provider.describe(), QStringLiteral("imds (user-assigned, object_id=oid-1)"));
    }

    void arcAgentWithoutEnvironmentUsesDefaultEndpoint()
    {
        aap::SystemClock clock;
        TokenHttpClient http(clock, {});
        ManagedIdentityProvider::Options options;
        options.fileExists = agentInstalled(true);
        ManagedIdentityProvider provider(http, clock, options);
        QCOMPARE(provider.source(), Source::Arc);
        QCOMPARE(ArcProvider::Options::fromEnvironment({}, QProcessEnvironment()).identityEndpoint,
                 QUrl(QStringLiteral("http://localhost:40342/metadata/identity/oauth2/token")));
    }

    void selectorFromConfig_data()
    {
        using aap::config::IdentityKind;
        QTest::addColumn<int>("identityKind");
        QTest::addColumn<QString>("clientId");
        QTest::addColumn<QString>("objectId");
        QTest::addColumn<QString>("resourceId");
        QTest::addColumn<int>("expectedKind"); // -1 = Config error
        QTest::addColumn<QString>("describe");
        const int system = static_cast<int>(IdentityKind::SystemAssigned);
        const int user = static_cast<int>(IdentityKind::UserAssigned);
        QTest::newRow("system") << system << QString() << QString() << QString()
                                << static_cast<int>(ManagedIdentitySelector::Kind::SystemAssigned)
                                << QStringLiteral("system-assigned");
        QTest::newRow("system ignores ids") << system << QStringLiteral("c") << QString() << QString()
                                            << static_cast<int>(ManagedIdentitySelector::Kind::SystemAssigned)
                                            << QStringLiteral("system-assigned");
        QTest::newRow("client id") << user << QStringLiteral("c") << QString() << QString()
                                   << static_cast<int>(ManagedIdentitySelector::Kind::ClientId)
                                   << QStringLiteral("user-assigned, client_id=c");
        QTest::newRow("object id") << user << QString() << QStringLiteral("o") << QString()
                                   << static_cast<int>(ManagedIdentitySelector::Kind::ObjectId)
                                   << QStringLiteral("user-assigned, object_id=o");
        QTest::newRow("resource id") << user << QString() << QString() << QStringLiteral("/r")
                                     << static_cast<int>(ManagedIdentitySelector::Kind::ResourceId)
                                     << QStringLiteral("user-assigned, resource_id=/r");
        QTest::newRow("user without id") << user << QString() << QString() << QString() << -1 << QString();
        QTest::newRow("user with two ids")
            << user << QStringLiteral("c") << QStringLiteral("o") << QString() << -1 << QString();
    }

    void selectorFromConfig()
    {
        QFETCH(int, identityKind);
        QFETCH(QString, clientId);
        QFETCH(QString, objectId);
        QFETCH(QString, resourceId);
        QFETCH(int, expectedKind);
        QFETCH(QString, describe);
        aap::config::IdentityConfig identity;
        identity.kind = static_cast<aap::config::IdentityKind>(identityKind);
        identity.clientId = clientId;
        identity.objectId = objectId;
        identity.resourceId = resourceId;
        const auto selector = ManagedIdentitySelector::fromConfig(identity);
        if (expectedKind < 0) {
            QVERIFY(!selector.has_value());
            QCOMPARE(selector.error().kind, TokenError::Kind::Config);
            QVERIFY(!selector.error().retryable);
            return;
        }
        QVERIFY(selector.has_value());
        QCOMPARE(static_cast<int>(selector->kind), expectedKind);
        QCOMPARE(selector->describe(), describe);
    }
};

QTEST_GUILESS_MAIN(tst_ManagedIdentityProvider)
#include "tst_ManagedIdentityProvider.moc"
