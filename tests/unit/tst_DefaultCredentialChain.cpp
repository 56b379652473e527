#include "auth/providers/DefaultCredentialChain.h"

#include <QTest>

#include <optional>

using aap::auth::DefaultCredentialChain;
using aap::config::IdentityConfig;
using aap::config::IdentityKind;

namespace {

// Answers every fetch with a preset result, synchronously.
class ScriptedProvider final : public aap::auth::TokenProvider {
    Q_OBJECT

public:
    explicit ScriptedProvider(Result result) : m_result(std::move(result)) {}
    void fetch(const QString & /*resource*/, Completion done) override { done(m_result); }
    [[nodiscard]] QString describe() const override { return QStringLiteral("scripted"); }

private:
    Result m_result;
};

aap::auth::TokenError error(bool retryable)
{
    aap::auth::TokenError failure;
    failure.kind = aap::auth::TokenError::Kind::Http;
    failure.httpStatus = retryable ? 503 : 401;
    failure.code = retryable ? QStringLiteral("temporarily_unavailable") : QStringLiteral("invalid_client");
    failure.description = QStringLiteral("AADSTS7000215: Invalid client secret provided.");
    failure.retryable = retryable;
    return failure;
}

QProcessEnvironment environmentOf(const QStringList &assignments)
{
    QProcessEnvironment environment;
    for (const QString &assignment : assignments) {
        const auto at = assignment.indexOf(u'=');
        environment.insert(assignment.left(at), assignment.mid(at + 1));
    }
    return environment;
}

} // namespace

class tst_DefaultCredentialChain : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void selectionOrder_data()
    {
        QTest::addColumn<QStringList>("environment");
        QTest::addColumn<IdentityKind>("kind");
        QTest::addColumn<QString>("credential");
        QTest::addColumn<QString>("reasonMentions");

        const QString tenant = QStringLiteral("AZURE_TENANT_ID=t1");
        const QString client = QStringLiteral("AZURE_CLIENT_ID=c1");
        const QString secret = QStringLiteral("AZURE_CLIENT_SECRET=s3cr3t");
        const QString certificate = QStringLiteral("AZURE_CLIENT_CERTIFICATE_PATH=/etc/app.pem");
        const QString federated = QStringLiteral("AZURE_FEDERATED_TOKEN_FILE=/var/run/token");

        QTest::newRow("secret") << QStringList{tenant, client, secret} << IdentityKind::AadApplication
                                << QStringLiteral("environment credential (client secret)")
                                << QStringLiteral("client secret");
        QTest::newRow("certificate") << QStringList{tenant, client, certificate}
                                     << IdentityKind::AadApplication
                                     << QStringLiteral("environment credential (client certificate)")
                                     << QStringLiteral("certificate");
        QTest::newRow("secret beats certificate")
            << QStringList{tenant, client, certificate, secret} << IdentityKind::AadApplication
            << QStringLiteral("environment credential (client secret)") << QStringLiteral("client secret");
        QTest::newRow("environment beats workload identity")
            << QStringList{tenant, client, secret, federated} << IdentityKind::AadApplication
            << QStringLiteral("environment credential (client secret)") << QStringLiteral("client secret");
        QTest::newRow("workload identity")
            << QStringList{tenant, client, federated} << IdentityKind::WorkloadIdentity
            << QStringLiteral("workload identity") << QStringLiteral("AZURE_FEDERATED_TOKEN_FILE");
        QTest::newRow("secret and federated file without tenant fall to managed identity")
            << QStringList{client, secret, federated} << IdentityKind::UserAssigned
            << QStringLiteral("managed identity (user-assigned)")
            << QStringLiteral("AZURE_TENANT_ID is missing");
        QTest::newRow("federated without client id")
            << QStringList{tenant, federated} << IdentityKind::SystemAssigned
            << QStringLiteral("managed identity (system-assigned)")
            << QStringLiteral("AZURE_CLIENT_ID is missing");
        QTest::newRow("client id only: user-assigned managed identity")
            << QStringList{client} << IdentityKind::UserAssigned
            << QStringLiteral("managed identity (user-assigned)") << QStringLiteral("user-assigned");
        QTest::newRow("nothing: system-assigned managed identity")
            << QStringList{} << IdentityKind::SystemAssigned
            << QStringLiteral("managed identity (system-assigned)")
            << QStringLiteral("AZURE_FEDERATED_TOKEN_FILE is not set");
    }
    void selectionOrder()
    {
        QFETCH(QStringList, environment);
        QFETCH(IdentityKind, kind);
        QFETCH(QString, credential);
        QFETCH(QString, reasonMentions);
        const IdentityConfig identity =
            DefaultCredentialChain::withEnvironment(IdentityConfig{}, environmentOf(environment));
        const auto selection = DefaultCredentialChain::select(identity);
        QCOMPARE(selection.identity.kind, kind);
        QCOMPARE(selection.credential, credential);
        QVERIFY2(selection.reason.contains(reasonMentions), qPrintable(selection.reason));
        QVERIFY(!selection.reason.contains(QStringLiteral("s3cr3t")));
    }

    void secretSelectionDropsCertificate()
    {
        const auto identity = DefaultCredentialChain::withEnvironment(
            IdentityConfig{},
            environmentOf({QStringLiteral("AZURE_TENANT_ID=t"), QStringLiteral("AZURE_CLIENT_ID=c"),
                           QStringLiteral("AZURE_CLIENT_SECRET=x"),
                           QStringLiteral("AZURE_CLIENT_CERTIFICATE_PATH=/c.pem")}));
        const auto selection = DefaultCredentialChain::select(identity);
        QVERIFY(selection.identity.certificatePath.isEmpty());
        QVERIFY(selection.identity.clientSecret == aap::config::Secret(QStringLiteral("x")));
    }

    void configurationWinsOverEnvironment()
    {
        IdentityConfig configured;
        configured.tenantId = QStringLiteral("config-tenant");
        configured.clientId = QStringLiteral("config-client");
        configured.clientSecretFile = QStringLiteral("/run/secret");
        const auto identity = DefaultCredentialChain::withEnvironment(
            configured, environmentOf({QStringLiteral("AZURE_TENANT_ID=env-tenant"),
                                       QStringLiteral("AZURE_CLIENT_ID=env-client"),
                                       QStringLiteral("AZURE_CLIENT_SECRET=env-secret"),
                                       QStringLiteral("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN=true")}));
        QCOMPARE(identity.tenantId, QStringLiteral("config-tenant"));
        QCOMPARE(identity.clientId, QStringLiteral("config-client"));
        // A configured secret file is not mixed with a secret from the environment.
        QVERIFY(identity.clientSecret.isEmpty());
        QVERIFY(identity.sendCertificateChain);
        const auto selection = DefaultCredentialChain::select(identity);
        QCOMPARE(selection.identity.kind, IdentityKind::AadApplication);
        QCOMPARE(selection.identity.clientSecretFile, QStringLiteral("/run/secret"));
    }

    void configuredCertificateIsNotPairedWithEnvironmentSecret()
    {
        IdentityConfig configured;
        configured.certificatePath = QStringLiteral("/etc/app.pem");
        const auto identity = DefaultCredentialChain::withEnvironment(
            configured,
            environmentOf({QStringLiteral("AZURE_TENANT_ID=t"), QStringLiteral("AZURE_CLIENT_ID=c"),
                           QStringLiteral("AZURE_CLIENT_SECRET=env-secret"),
                           QStringLiteral("AZURE_CLIENT_CERTIFICATE_PATH=/env.pem")}));
        QVERIFY(identity.clientSecret.isEmpty());
        QCOMPARE(identity.certificatePath, QStringLiteral("/etc/app.pem"));
        QCOMPARE(DefaultCredentialChain::select(identity).credential,
                 QStringLiteral("environment credential (client certificate)"));
    }

    void delegatesAndExplainsConfigurationErrors_data()
    {
        QTest::addColumn<bool>("retryable");
        QTest::newRow("configuration error") << false;
        QTest::newRow("transient error") << true;
    }
    void delegatesAndExplainsConfigurationErrors()
    {
        QFETCH(bool, retryable);
        const auto identity = DefaultCredentialChain::withEnvironment(
            IdentityConfig{},
            environmentOf({QStringLiteral("AZURE_TENANT_ID=t"), QStringLiteral("AZURE_CLIENT_ID=c"),
                           QStringLiteral("AZURE_CLIENT_SECRET=x")}));
        DefaultCredentialChain chain(DefaultCredentialChain::select(identity),
                                     std::make_unique<ScriptedProvider>(aap::Unexpected(error(retryable))));
        QVERIFY(chain.describe().startsWith(QStringLiteral("default chain: scripted")));
        std::optional<aap::auth::TokenProvider::Result> result;
        chain.fetch(QStringLiteral("https://monitor.azure.com"),
                    [&result](aap::auth::TokenProvider::Result answer) { result = std::move(answer); });
        QVERIFY(result && !*result);
        const aap::auth::TokenError &failure = result->error();
        QCOMPARE(failure.retryable, retryable);
        QCOMPARE(failure.code, error(retryable).code);
        QVERIFY(failure.description.contains(QStringLiteral("AADSTS7000215")));
        QCOMPARE(failure.description.contains(QStringLiteral("environment credential (client secret)")),
                 !retryable);
        QCOMPARE(failure.description.contains(QStringLiteral("retrying will not fix")), !retryable);
    }

    void objectIdSelectsUserAssigned()
    {
        IdentityConfig identity;
        identity.objectId = QStringLiteral("0000-object");
        QCOMPARE(DefaultCredentialChain::select(identity).identity.kind, IdentityKind::UserAssigned);
    }
};

QTEST_GUILESS_MAIN(tst_DefaultCredentialChain)
#include "tst_DefaultCredentialChain.moc"
