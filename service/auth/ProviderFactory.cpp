#include "auth/ProviderFactory.h"

#include "auth/providers/Authority.h"
#include "auth/providers/ClientCertificateCredential.h"
#include "auth/providers/ClientCredentialProvider.h"
#include "auth/providers/ClientSecretCredential.h"
#include "auth/providers/DefaultCredentialChain.h"
#include "auth/providers/EndpointVariable.h"
#include "auth/providers/FederatedTokenCredential.h"
#include "auth/providers/ManagedIdentityProvider.h"
#include "config/ConfigValues.h"
#include "config/SecretFile.h"

#include <algorithm>

namespace aap::auth {

namespace {

QString missing(const char *what, const char *variables)
{
    return QStringLiteral("%1 is missing (set %2)").arg(QLatin1String(what), QLatin1String(variables));
}

} // namespace

ProviderFactory::ProviderFactory(const QProcessEnvironment &environment, Clock &clock, TokenHttpClient &http)
    : m_environment(environment), m_clock(clock), m_http(http)
{}

Expected<std::unique_ptr<TokenProvider>, QString>
ProviderFactory::create(const config::IdentityConfig &identity) const
{
    Expected<std::unique_ptr<TokenProvider>, QString> result = Unexpected(QString());
    QString kind = config::values::identityKindName(identity.kind).toLower();
    if (identity.kind == config::IdentityKind::Default) {
        // Only the chain reads the AZURE_* variables here, as DefaultAzureCredential does. An identity
        // of a named kind uses exactly its configuration (the loader already applied the variables
        // to the default identity): AKS injects AZURE_CLIENT_ID into every pod, and it must not turn
        // into a second selector of a user-assigned identity configured by object id.
        DefaultCredentialChain::Selection selection =
            DefaultCredentialChain::select(DefaultCredentialChain::withEnvironment(identity, m_environment));
        kind = QStringLiteral("default chain, %1").arg(selection.credential);
        auto chosen = createConcrete(selection.identity);
        if (chosen)
            result = std::unique_ptr<TokenProvider>(
                std::make_unique<DefaultCredentialChain>(std::move(selection), std::move(chosen).value()));
        else
            result =
                Unexpected(QStringLiteral("%1 (chosen because %2)").arg(chosen.error(), selection.reason));
    } else {
        result = createConcrete(identity);
    }
    if (!result)
        return Unexpected(QStringLiteral("identity '%1' (%2): %3").arg(identity.name, kind, result.error()));
    return result;
}

config::ConfigIssues ProviderFactory::checkEnvironment(const config::ServiceConfig &config,
                                                       const QProcessEnvironment &environment)
{
    const bool readsThem =
        std::any_of(config.identities.cbegin(), config.identities.cend(), [](const auto &id) {
            return id.kind == config::IdentityKind::SystemAssigned ||
                   id.kind == config::IdentityKind::UserAssigned || id.kind == config::IdentityKind::Default;
        });
    config::ConfigIssues issues;
    if (!readsThem)
        return issues;
    for (const char *variable : EndpointVariable::managedIdentityVariables()) {
        if (auto endpoint = EndpointVariable::read(environment, variable); !endpoint)
            issues.append(config::ConfigIssue::error(
                QLatin1String(variable), config::SettingOrigin::fromEnvironment(QLatin1String(variable)),
                endpoint.error()));
    }
    return issues;
}

Expected<std::unique_ptr<TokenProvider>, QString>
ProviderFactory::createConcrete(const config::IdentityConfig &identity) const
{
    switch (identity.kind) {
    case config::IdentityKind::AadApplication:
        return createApplication(identity);
    case config::IdentityKind::WorkloadIdentity:
        return createWorkloadIdentity(identity);
    case config::IdentityKind::SystemAssigned:
    case config::IdentityKind::UserAssigned:
        return createManagedIdentity(identity);
    case config::IdentityKind::Default:
        break;
    }
    return Unexpected(QStringLiteral("the default chain cannot choose itself"));
}

Expected<QUrl, QString> ProviderFactory::tokenUrl(const config::IdentityConfig &identity) const
{
    if (identity.tenantId.isEmpty())
        return Unexpected(missing("tenant id", "AAD_TENANT_ID or AZURE_TENANT_ID"));
    if (identity.clientId.isEmpty())
        return Unexpected(missing("client id", "AAD_CLIENT_ID or AZURE_CLIENT_ID"));
    const auto authority = Authority::resolve(identity, m_environment);
    if (!authority)
        return Unexpected(authority.error());
    return authority->tokenUrl(identity.tenantId);
}

Expected<std::unique_ptr<TokenProvider>, QString>
ProviderFactory::createApplication(const config::IdentityConfig &identity) const
{
    const auto url = tokenUrl(identity);
    if (!url)
        return Unexpected(url.error());
    const bool haveSecret = !identity.clientSecret.isEmpty() || !identity.clientSecretFile.isEmpty();
    // A certificate wins over a secret (the validator warns): AZURE_CLIENT_SECRET is often set for
    // another Azure tool on the same host.
    const bool haveCertificate = !identity.certificatePath.isEmpty();
    if (!haveSecret && !haveCertificate)
        return Unexpected(
            missing("client secret or certificate",
                    "AZURE_CLIENT_SECRET, a client secret file or AZURE_CLIENT_CERTIFICATE_PATH"));
    if (!haveCertificate && !identity.clientSecret.isEmpty() && !identity.clientSecretFile.isEmpty())
        return Unexpected(
            QStringLiteral("both a client secret and a client secret file are set; configure one"));

    std::unique_ptr<ClientCredential> credential;
    QString label;
    if (haveCertificate) {
        config::IdentityConfig withPassword = identity;
        auto password =
            config::SecretFile::resolve(identity.certificatePassword, identity.certificatePasswordFile);
        if (!password)
            return Unexpected(QStringLiteral("certificate password file: ") + password.error());
        withPassword.certificatePassword = *password;
        auto certificate = std::make_unique<ClientCertificateCredential>(withPassword, m_clock);
        if (auto loaded = certificate->load(); !loaded)
            return Unexpected(loaded.error().description);
        credential = std::move(certificate);
        label = QStringLiteral("entra application certificate");
    } else {
        credential = identity.clientSecretFile.isEmpty()
                         ? ClientSecretCredential::fromValue(identity.clientSecret)
                         : ClientSecretCredential::fromFile(identity.clientSecretFile);
        label = QStringLiteral("entra application secret");
    }
    return std::unique_ptr<TokenProvider>(std::make_unique<ClientCredentialProvider>(
        label, *url, identity.clientId, std::move(credential), m_http, m_clock));
}

Expected<std::unique_ptr<TokenProvider>, QString>
ProviderFactory::createWorkloadIdentity(const config::IdentityConfig &identity) const
{
    if (identity.federatedTokenFile.isEmpty())
        return Unexpected(missing("federated token file", "AZURE_FEDERATED_TOKEN_FILE"));
    const auto url = tokenUrl(identity);
    if (!url)
        return Unexpected(url.error());
    return std::unique_ptr<TokenProvider>(std::make_unique<ClientCredentialProvider>(
        QStringLiteral("workload identity"), *url, identity.clientId,
        std::make_unique<FederatedTokenCredential>(identity.federatedTokenFile), m_http, m_clock));
}

Expected<std::unique_ptr<TokenProvider>, QString>
ProviderFactory::createManagedIdentity(const config::IdentityConfig &identity) const
{
    auto selector = ManagedIdentitySelector::fromConfig(identity);
    if (!selector)
        return Unexpected(selector.error().description);
    // A typo in one of these would otherwise fail every fetch; stop the start instead.
    for (const char *variable : EndpointVariable::managedIdentityVariables()) {
        if (auto endpoint = EndpointVariable::read(m_environment, variable); !endpoint)
            return Unexpected(endpoint.error());
    }
    ManagedIdentityProvider::Options options{std::move(selector).value(), m_environment, {}};
    return std::unique_ptr<TokenProvider>(
        std::make_unique<ManagedIdentityProvider>(m_http, m_clock, std::move(options)));
}

} // namespace aap::auth
