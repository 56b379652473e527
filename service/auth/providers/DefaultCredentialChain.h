#pragma once

#include "auth/TokenProvider.h"
#include "config/ServiceConfig.h"

#include <QProcessEnvironment>

#include <memory>

namespace aap::auth {

// IDENTITY_TYPE empty or "default": the DefaultAzureCredential order. The credential is chosen once,
// from configuration and environment (no trial requests): environment credential (tenant, client
// id and a secret or certificate) → workload identity (federated token file, tenant, client id) →
// managed identity (user-assigned when a client id is known, else system-assigned). The chain then
// delegates every fetch to that credential and says which one it is and why.
class DefaultCredentialChain final : public TokenProvider {
    Q_OBJECT

public:
    struct Selection {
        config::IdentityConfig identity; // kind is no longer Default
        QString credential;              // "environment (client secret)", "workload identity", ...
        QString reason;                  // which settings made the choice
    };

    // The identity's own settings win; empty ones are filled from the AZURE_* variables.
    [[nodiscard]] static config::IdentityConfig withEnvironment(config::IdentityConfig identity,
                                                                const QProcessEnvironment &environment);
    // Chooses from an identity already completed by withEnvironment().
    [[nodiscard]] static Selection select(const config::IdentityConfig &identity);

    DefaultCredentialChain(Selection selection, std::unique_ptr<TokenProvider> chosen,
                           QObject *parent = nullptr);

    void fetch(const QString &resource, Completion done) override;
    [[nodiscard]] QString describe() const override;

private:
    QString m_credential;
    QString m_reason;
    TokenProvider *m_chosen; // a child, so it follows moveToThread()
};

} // namespace aap::auth
