#pragma once

#include "auth/TokenError.h"
#include "auth/providers/TokenRequestForm.h"
#include "core/Expected.h"

#include <QString>
#include <QUrl>

namespace aap::auth {

// How an Entra application proves who it is in a client-credentials request: a client secret, a
// certificate-signed assertion or a federated token. ClientCredentialProvider builds the rest of
// the form and talks HTTP; a credential only adds its own fields.
class ClientCredential {
public:
    ClientCredential() = default;
    ClientCredential(const ClientCredential &) = delete;
    ClientCredential &operator=(const ClientCredential &) = delete;
    ClientCredential(ClientCredential &&) = delete;
    ClientCredential &operator=(ClientCredential &&) = delete;
    virtual ~ClientCredential() = default;

    // Adds client_secret, or client_assertion_type and client_assertion, for one request to
    // tokenUrl (the assertion's audience). Called once per fetch so rotated material is picked up.
    virtual Expected<void, TokenError> addTo(TokenRequestForm &form, const QUrl &tokenUrl,
                                             const QString &clientId) = 0;

    // "client secret", "certificate (thumbprint ...)", "federated token file /path": never a secret.
    [[nodiscard]] virtual QString describe() const = 0;
};

} // namespace aap::auth
