#include "auth/providers/DefaultCredentialChain.h"

#include "log/LogField.h"
#include "log/Logging.h"

#include <QPointer>

namespace aap::auth {

namespace {

void fill(QString &field, const QProcessEnvironment &environment, const char *name)
{
    if (field.isEmpty())
        field = environment.value(QLatin1String(name)).trimmed();
}

bool isTrue(const QString &value)
{
    return value.compare(QLatin1String("true"), Qt::CaseInsensitive) == 0 || value == QLatin1String("1");
}

} // namespace

config::IdentityConfig DefaultCredentialChain::withEnvironment(config::IdentityConfig identity,
                                                               const QProcessEnvironment &environment)
{
    fill(identity.tenantId, environment, "AZURE_TENANT_ID");
    fill(identity.clientId, environment, "AZURE_CLIENT_ID");
    fill(identity.federatedTokenFile, environment, "AZURE_FEDERATED_TOKEN_FILE");
    // Configured credential material wins as a whole: a configured certificate is never paired
    // with a secret from the environment, nor the other way round.
    if (identity.clientSecret.isEmpty() && identity.clientSecretFile.isEmpty() &&
        identity.certificatePath.isEmpty()) {
        // Not trimmed: a secret is used exactly as given.
        const QString secret = environment.value(QStringLiteral("AZURE_CLIENT_SECRET"));
        if (!secret.isEmpty())
            identity.clientSecret = config::Secret(secret);
        fill(identity.certificatePath, environment, "AZURE_CLIENT_CERTIFICATE_PATH");
    }
    if (identity.certificatePassword.isEmpty()) {
        const QString password = environment.value(QStringLiteral("AZURE_CLIENT_CERTIFICATE_PASSWORD"));
        if (!password.isEmpty())
            identity.certificatePassword = config::Secret(password);
    }
    if (!identity.sendCertificateChain)
        identity.sendCertificateChain =
            isTrue(environment.value(QStringLiteral("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN")));
    return identity;
}

DefaultCredentialChain::Selection DefaultCredentialChain::select(const config::IdentityConfig &identity)
{
    Selection selection{identity, {}, {}};
    const bool haveTenant = !identity.tenantId.isEmpty();
    const bool haveClient = !identity.clientId.isEmpty();
    const bool haveSecret = !identity.clientSecret.isEmpty() || !identity.clientSecretFile.isEmpty();
    const bool haveCertificate = !identity.certificatePath.isEmpty();
    const bool haveFederated = !identity.federatedTokenFile.isEmpty();

    if (haveTenant && haveClient && (haveSecret || haveCertificate)) {
        // Like EnvironmentCredential, a secret wins over a certificate when both are given.
        selection.identity.kind = config::IdentityKind::AadApplication;
        if (haveSecret) {
            selection.identity.certificatePath.clear();
            selection.credential = QStringLiteral("environment credential (client secret)");
            selection.reason = QStringLiteral("tenant id, client id and a client secret are set");
        } else {
            selection.credential = QStringLiteral("environment credential (client certificate)");
            selection.reason = QStringLiteral("tenant id, client id and a client certificate path are set");
        }
        return selection;
    }

    QStringList skipped;
    if (haveSecret || haveCertificate) {
        QStringList missing;
        if (!haveTenant)
            missing << QStringLiteral("AZURE_TENANT_ID");
        if (!haveClient)
            missing << QStringLiteral("AZURE_CLIENT_ID");
        skipped << QStringLiteral("environment credential skipped: a secret or certificate is set but %1 is "
                                  "missing")
                       .arg(missing.join(QStringLiteral(" and ")));
    } else {
        skipped << QStringLiteral("no environment credential (neither AZURE_CLIENT_SECRET nor "
                                  "AZURE_CLIENT_CERTIFICATE_PATH is set)");
    }

    if (haveFederated && haveTenant && haveClient) {
        selection.identity.kind = config::IdentityKind::WorkloadIdentity;
        selection.credential = QStringLiteral("workload identity");
        selection.reason = skipped.join(QStringLiteral("; ")) +
                           QStringLiteral("; AZURE_FEDERATED_TOKEN_FILE, tenant id and client id are set");
        return selection;
    }
    if (haveFederated) {
        skipped << QStringLiteral(
                       "workload identity skipped: AZURE_FEDERATED_TOKEN_FILE is set but %1 is missing")
                       .arg(haveTenant ? QStringLiteral("AZURE_CLIENT_ID")
                                       : QStringLiteral("AZURE_TENANT_ID"));
    } else {
        skipped << QStringLiteral("no workload identity (AZURE_FEDERATED_TOKEN_FILE is not set)");
    }

    const bool userAssigned = haveClient || !identity.objectId.isEmpty() || !identity.resourceId.isEmpty();
    selection.identity.kind =
        userAssigned ? config::IdentityKind::UserAssigned : config::IdentityKind::SystemAssigned;
    selection.credential = userAssigned ? QStringLiteral("managed identity (user-assigned)")
                                        : QStringLiteral("managed identity (system-assigned)");
    skipped << (userAssigned
                    ? QStringLiteral("a client, object or resource id selects a user-assigned identity")
                    : QStringLiteral("no client id, so the system-assigned identity"));
    selection.reason = skipped.join(QStringLiteral("; "));
    return selection;
}

DefaultCredentialChain::DefaultCredentialChain(Selection selection, std::unique_ptr<TokenProvider> chosen,
                                               QObject *parent)
    : TokenProvider(parent), m_credential(std::move(selection.credential)),
      m_reason(std::move(selection.reason)), m_chosen(chosen.release())
{
    Expects(m_chosen != nullptr);
    m_chosen->setParent(this);
    qCInfo(lcAuth).noquote() << "default credential chain" << log::LogField::kv("chose", m_credential)
                             << log::LogField::kv("because", m_reason)
                             << log::LogField::kv("provider", m_chosen->describe());
}

void DefaultCredentialChain::fetch(const QString &resource, Completion done)
{
    m_chosen->fetch(
        resource, [self = QPointer<DefaultCredentialChain>(this), done = std::move(done)](Result result) {
            if (self.isNull())
                return;
            if (!result && !result.error().retryable) {
                // The chain does not fall back to the next credential: the operator configured this one,
                // so its configuration error is reported as such.
                TokenError error = std::move(result).error();
                error.description = QStringLiteral("default credential chain chose %1 (%2); it failed with a "
                                                   "configuration error that retrying will not fix: %3")
                                        .arg(self->m_credential, self->m_reason, error.description);
                done(Unexpected(std::move(error)));
                return;
            }
            done(std::move(result));
        });
}

QString DefaultCredentialChain::describe() const
{
    return QStringLiteral("default chain: %1 [%2]").arg(m_chosen->describe(), m_reason);
}

} // namespace aap::auth
