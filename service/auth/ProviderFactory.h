#pragma once

#include "auth/TokenProvider.h"
#include "config/ConfigIssue.h"
#include "config/ServiceConfig.h"
#include "core/Clock.h"
#include "core/Expected.h"

#include <QProcessEnvironment>

#include <memory>

namespace aap::auth {

class TokenHttpClient;

// Turns an identity's configuration into the token provider that serves it: managed identity
// (system- or user-assigned), Entra application (client secret or certificate), workload identity,
// or the default chain. Settings the identity leaves empty are taken from the AZURE_* variables of
// the injected environment, as the Azure SDKs do. Every problem found before the first request
// (missing tenant, plain-http authority, unreadable certificate, ...) is an error message here.
class ProviderFactory {
public:
    ProviderFactory(const QProcessEnvironment &environment, Clock &clock, TokenHttpClient &http);

    [[nodiscard]] Expected<std::unique_ptr<TokenProvider>, QString>
    create(const config::IdentityConfig &identity) const;

    // Configuration errors that live in the platform's variables rather than in settings (an
    // unusable IDENTITY_ENDPOINT, ...), for the validation that runs before anything listens. Only
    // reported when an identity would read them.
    [[nodiscard]] static config::ConfigIssues checkEnvironment(const config::ServiceConfig &config,
                                                               const QProcessEnvironment &environment);

private:
    [[nodiscard]] Expected<std::unique_ptr<TokenProvider>, QString>
    createConcrete(const config::IdentityConfig &identity) const;
    [[nodiscard]] Expected<std::unique_ptr<TokenProvider>, QString>
    createApplication(const config::IdentityConfig &identity) const;
    [[nodiscard]] Expected<std::unique_ptr<TokenProvider>, QString>
    createWorkloadIdentity(const config::IdentityConfig &identity) const;
    [[nodiscard]] Expected<std::unique_ptr<TokenProvider>, QString>
    createManagedIdentity(const config::IdentityConfig &identity) const;
    [[nodiscard]] Expected<QUrl, QString> tokenUrl(const config::IdentityConfig &identity) const;

    QProcessEnvironment m_environment;
    Clock &m_clock;
    TokenHttpClient &m_http;
};

} // namespace aap::auth
