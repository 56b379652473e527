#pragma once

#include "auth/providers/ClientCredential.h"

#include <QByteArray>

namespace aap::auth {

// Workload identity federation: the assertion is the token Kubernetes (or another OIDC issuer)
// writes to AZURE_FEDERATED_TOKEN_FILE. Kubernetes rotates the file at 80 % of its lifetime, so it
// is read afresh for every token request: a few kilobytes at most once a second during retries, and
// a token Entra rejected (expired, revoked) is never sent twice once the file holds a new one.
class FederatedTokenCredential final : public ClientCredential {
public:
    explicit FederatedTokenCredential(QString path);

    Expected<void, TokenError> addTo(TokenRequestForm &form, const QUrl &tokenUrl,
                                     const QString &clientId) override;
    [[nodiscard]] QString describe() const override;

private:
    Expected<QByteArray, TokenError> read();

    QString m_path;
};

} // namespace aap::auth
