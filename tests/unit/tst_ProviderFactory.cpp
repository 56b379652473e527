#include "auth/ProviderFactory.h"
#include "auth/providers/TokenHttpClient.h"
#include "config/ConfigLoader.h"
#include "protocol/TestPki.h"
#include "support/FakeClock.h"

#include <QTemporaryDir>
#include <QTest>

using aap::auth::ProviderFactory;
using aap::auth::TokenHttpClient;
using aap::config::IdentityConfig;
using aap::config::IdentityKind;
using aap::config::Secret;

Q_DECLARE_METATYPE(IdentityKind)

namespace {

QProcessEnvironment environmentOf(const QStringList &assignments)
{
    QProcessEnvironment environment;
    for (const QString &assignment : assignments) {
        const auto at = assignment.indexOf(u'=');
        environment.insert(assignment.left(at), assignment.mid(at + 1));
    }
    return environment;
}

// The default identity as the service gets it: the loader applies the AZURE_* variables.
IdentityConfig loadedIdentity(IdentityKind kind, const QProcessEnvironment &environment)
{
    aap::config::ConfigSources sources;
    sources.environment = environment;
    IdentityConfig identity = aap::config::ConfigLoader::load(sources).config.identities.constFirst();
    identity.kind = kind;
    return identity;
}

} // namespace

class tst_ProviderFactory : public QObject {
    Q_OBJECT

private:
    aap::test::FakeClock m_clock;
    TokenHttpClient m_http{m_clock, TokenHttpClient::Options{}};

private Q_SLOTS:
    void errors_data()
    {
        QTest::addColumn<IdentityKind>("kind");
        QTest::addColumn<QStringList>("environment");
        QTest::addColumn<QString>("message");

        QTest::newRow("application without tenant")
            << IdentityKind::AadApplication
            << QStringList{QStringLiteral("AZURE_CLIENT_ID=c"), QStringLiteral("AZURE_CLIENT_SECRET=s")}
            << QStringLiteral(
                   "identity 'default' (aadapplication): tenant id is missing (set AAD_TENANT_ID or "
                   "AZURE_TENANT_ID)");
        QTest::newRow("application without client id")
            << IdentityKind::AadApplication
            << QStringList{QStringLiteral("AZURE_TENANT_ID=t"), QStringLiteral("AZURE_CLIENT_SECRET=s")}
            << QStringLiteral("client id is missing");
        QTest::newRow("application without secret or certificate")
            << IdentityKind::AadApplication
            << QStringList{QStringLiteral("AZURE_TENANT_ID=t"), QStringLiteral("AZURE_CLIENT_ID=c")}
            << QStringLiteral("client secret or certificate is missing");
        QTest::newRow("plain http authority")
            << IdentityKind::AadApplication
            << QStringList{QStringLiteral("AZURE_TENANT_ID=t"), QStringLiteral("AZURE_CLIENT_ID=c"),
                           QStringLiteral("AZURE_CLIENT_SECRET=s"),
                           QStringLiteral("AZURE_AUTHORITY_HOST=http://login.example")}
            << QStringLiteral("AZURE_AUTHORITY_HOST: authority host 'http://login.example' must use https");
        // The loader refuses this tenant itself; the chain reads the variable unfiltered.
        QTest::newRow("bad tenant") << IdentityKind::Default
                                    << QStringList{QStringLiteral("AZURE_TENANT_ID=a/b"),
                                                   QStringLiteral("AZURE_CLIENT_ID=c"),
                                                   QStringLiteral("AZURE_CLIENT_SECRET=s")}
                                    << QStringLiteral("tenant id 'a/b' may only contain");
        QTest::newRow("unreadable certificate")
            << IdentityKind::AadApplication
            << QStringList{QStringLiteral("AZURE_TENANT_ID=t"), QStringLiteral("AZURE_CLIENT_ID=c"),
                           QStringLiteral("AZURE_CLIENT_CERTIFICATE_PATH=/nonexistent/app.pem")}
            << QStringLiteral("/nonexistent/app.pem");
        QTest::newRow("workload identity without file")
            << IdentityKind::WorkloadIdentity
            << QStringList{QStringLiteral("AZURE_TENANT_ID=t"), QStringLiteral("AZURE_CLIENT_ID=c")}
            << QStringLiteral("identity 'default' (workloadidentity): federated token file is missing (set "
                              "AZURE_FEDERATED_TOKEN_FILE)");
        QTest::newRow("workload identity without tenant")
            << IdentityKind::WorkloadIdentity
            << QStringList{QStringLiteral("AZURE_FEDERATED_TOKEN_FILE=/t"),
                           QStringLiteral("AZURE_CLIENT_ID=c")}
            << QStringLiteral("tenant id is missing");
        QTest::newRow("default chain explains its choice")
            << IdentityKind::Default
            << QStringList{QStringLiteral("AZURE_TENANT_ID=t"), QStringLiteral("AZURE_CLIENT_ID=c"),
                           QStringLiteral("AZURE_CLIENT_CERTIFICATE_PATH=/nonexistent/chain.pem")}
            << QStringLiteral(
                   "identity 'default' (default chain, environment credential (client certificate)): ");
    }
    void errors()
    {
        QFETCH(IdentityKind, kind);
        QFETCH(QStringList, environment);
        QFETCH(QString, message);
        const IdentityConfig identity = loadedIdentity(kind, environmentOf(environment));
        const auto created = ProviderFactory(environmentOf(environment), m_clock, m_http).create(identity);
        QVERIFY(!created);
        QVERIFY2(created.error().contains(message), qPrintable(created.error()));
        QVERIFY(!created.error().contains(QStringLiteral("=s")));
    }

    // The validator warns "the certificate is used": the factory must do exactly that.
    void certificateWinsOverSecret()
    {
        aap::test::TestPki pki;
        QVERIFY(pki.isValid());
        const QString path = pki.filePath(QStringLiteral("app.pem"));
        QVERIFY(pki.issueClient(QStringLiteral("CN=app")).writePem(path));
        IdentityConfig identity;
        identity.kind = IdentityKind::AadApplication;
        identity.tenantId = QStringLiteral("t");
        identity.clientId = QStringLiteral("c");
        identity.clientSecret = Secret(QStringLiteral("s"));
        identity.certificatePath = path;
        const auto created = ProviderFactory(QProcessEnvironment(), m_clock, m_http).create(identity);
        QVERIFY2(created, qPrintable(created ? QString() : created.error()));
        QVERIFY2((*created)->describe().contains(QStringLiteral("certificate")),
                 qPrintable((*created)->describe()));
    }

    void applicationDescribesItself()
    {
        IdentityConfig identity;
        identity.kind = IdentityKind::AadApplication;
        identity.cloud = aap::config::Cloud::UsGovernment;
        identity.tenantId = QStringLiteral("t1");
        identity.clientId = QStringLiteral("c1");
        identity.clientSecret = Secret(QStringLiteral("do-not-print"));
        const auto created = ProviderFactory(QProcessEnvironment(), m_clock, m_http).create(identity);
        QVERIFY(created);
        const QString description = (*created)->describe();
        QVERIFY2(
            description.contains(QStringLiteral("https://login.microsoftonline.us/t1/oauth2/v2.0/token")),
            qPrintable(description));
        QVERIFY(description.contains(QStringLiteral("client_id=c1")));
        QVERIFY(!description.contains(QStringLiteral("do-not-print")));
    }

    void managedIdentity_data()
    {
        QTest::addColumn<IdentityKind>("kind");
        QTest::addColumn<QString>("clientId");
        QTest::addColumn<QString>("mention");
        QTest::newRow("system-assigned")
            << IdentityKind::SystemAssigned << QString() << QStringLiteral("system-assigned");
        QTest::newRow("user-assigned")
            << IdentityKind::UserAssigned << QStringLiteral("mi-client") << QStringLiteral("mi-client");
        QTest::newRow("default chain falls to managed identity")
            << IdentityKind::Default << QStringLiteral("mi-client") << QStringLiteral("default chain: ");
    }
    void managedIdentity()
    {
        QFETCH(IdentityKind, kind);
        QFETCH(QString, clientId);
        QFETCH(QString, mention);
        // App Service variables make the source independent of what is installed on this machine.
        const auto environment =
            environmentOf({QStringLiteral("IDENTITY_ENDPOINT=http://127.0.0.1:9/msi/token"),
                           QStringLiteral("IDENTITY_HEADER=header-value")});
        IdentityConfig identity;
        identity.kind = kind;
        identity.clientId = clientId;
        const auto created = ProviderFactory(environment, m_clock, m_http).create(identity);
        QVERIFY2(created, qPrintable(created ? QString() : created.error()));
        const QString description = (*created)->describe();
        QVERIFY2(description.contains(mention), qPrintable(description));
        QVERIFY(!description.contains(QStringLiteral("header-value")));
    }

    // AKS injects AZURE_CLIENT_ID into every pod: a named identity configured by object id must not
    // pick it up as a second selector.
    void namedIdentityIgnoresAzureVariables()
    {
        IdentityConfig identity;
        identity.name = QStringLiteral("reader");
        identity.kind = IdentityKind::UserAssigned;
        identity.objectId = QStringLiteral("o");
        const auto environment = environmentOf({QStringLiteral("AZURE_CLIENT_ID=from-webhook")});
        const auto created = ProviderFactory(environment, m_clock, m_http).create(identity);
        QVERIFY2(created, qPrintable(created ? QString() : created.error()));
        QVERIFY2((*created)->describe().contains(QStringLiteral("object_id=o")),
                 qPrintable((*created)->describe()));
        QVERIFY(!(*created)->describe().contains(QStringLiteral("from-webhook")));
    }

    // A typo in an endpoint variable stops the start with its name, instead of failing every fetch.
    void unusableEndpointVariableIsAStartError()
    {
        IdentityConfig identity;
        identity.kind = IdentityKind::SystemAssigned;
        const auto environment = environmentOf({QStringLiteral("AZURE_POD_IDENTITY_AUTHORITY_HOST=ftp://x")});
        const auto created = ProviderFactory(environment, m_clock, m_http).create(identity);
        QVERIFY(!created);
        QVERIFY2(created.error().contains(QStringLiteral("AZURE_POD_IDENTITY_AUTHORITY_HOST='ftp://x'")),
                 qPrintable(created.error()));
    }

    void userAssignedNeedsExactlyOneSelector()
    {
        IdentityConfig identity;
        identity.kind = IdentityKind::UserAssigned;
        identity.clientId = QStringLiteral("c");
        identity.objectId = QStringLiteral("o");
        const auto created = ProviderFactory(QProcessEnvironment(), m_clock, m_http).create(identity);
        QVERIFY(!created);
        QVERIFY2(created.error().contains(QStringLiteral("only one of client id, object id or resource id")),
                 qPrintable(created.error()));

        identity.clientId.clear();
        identity.objectId.clear();
        const auto none = ProviderFactory(QProcessEnvironment(), m_clock, m_http).create(identity);
        QVERIFY(!none);
    }

    void defaultChainDescribesChoice_data()
    {
        QTest::addColumn<QStringList>("environment");
        QTest::addColumn<QString>("mention");
        QTest::newRow("environment secret")
            << QStringList{QStringLiteral("AZURE_TENANT_ID=t"), QStringLiteral("AZURE_CLIENT_ID=c"),
                           QStringLiteral("AZURE_CLIENT_SECRET=s")}
            << QStringLiteral("entra application secret");
        QTest::newRow("workload identity")
            << QStringList{QStringLiteral("AZURE_TENANT_ID=t"), QStringLiteral("AZURE_CLIENT_ID=c"),
                           QStringLiteral("AZURE_FEDERATED_TOKEN_FILE=/var/run/secrets/token")}
            << QStringLiteral("workload identity");
    }
    void defaultChainDescribesChoice()
    {
        QFETCH(QStringList, environment);
        QFETCH(QString, mention);
        const auto created =
            ProviderFactory(environmentOf(environment), m_clock, m_http).create(IdentityConfig{});
        QVERIFY2(created, qPrintable(created ? QString() : created.error()));
        const QString description = (*created)->describe();
        QVERIFY2(description.startsWith(QStringLiteral("default chain: ")), qPrintable(description));
        QVERIFY2(description.contains(mention), qPrintable(description));
    }
};

QTEST_GUILESS_MAIN(tst_ProviderFactory)
#include "tst_ProviderFactory.moc"
