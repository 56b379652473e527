#pragma once

#include "auth/providers/ClientCredential.h"
#include "config/Secret.h"

namespace aap::auth {

// client_secret from configuration (AZURE_CLIENT_SECRET) or from a file. The file is read on every
// fetch, so a rotated secret is used without a restart.
class ClientSecretCredential final : public ClientCredential {
public:
    static std::unique_ptr<ClientSecretCredential> fromValue(config::Secret secret);
    static std::unique_ptr<ClientSecretCredential> fromFile(QString path);

    Expected<void, TokenError> addTo(TokenRequestForm &form, const QUrl &tokenUrl,
                                     const QString &clientId) override;
    [[nodiscard]] QString describe() const override;

private:
    ClientSecretCredential(config::Secret secret, QString path);
    [[nodiscard]] Expected<config::Secret, TokenError> current() const;

    config::Secret m_secret;
    QString m_path; // non-empty: read the secret from this file
};

} // namespace aap::auth
