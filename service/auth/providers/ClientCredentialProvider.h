#pragma once

#include "auth/TokenProvider.h"
#include "auth/providers/ClientCredential.h"
#include "auth/providers/TokenHttpClient.h"
#include "core/Clock.h"

#include <QUrl>

#include <memory>

namespace aap::auth {

// Entra ID client-credentials grant (v2.0 endpoint): POST the form to
// https://{authority}/{tenant}/oauth2/v2.0/token, through HTTPS_PROXY when one is configured.
// The credential (secret, certificate assertion or federated token) supplies its own fields.
class ClientCredentialProvider final : public TokenProvider {
    Q_OBJECT

public:
    // label names the flow in describe(): "entra client secret", "workload identity", ...
    ClientCredentialProvider(QString label, QUrl tokenUrl, QString clientId,
                             std::unique_ptr<ClientCredential> credential, TokenHttpClient &http,
                             Clock &clock, QObject *parent = nullptr);

    void fetch(const QString &resource, Completion done) override;
    [[nodiscard]] QString describe() const override;

    // An Entra error answer as a TokenError: the error code and AADSTS description, retryable for
    // 408, 429 (with Retry-After) and 5xx only; invalid_client and friends never are.
    [[nodiscard]] static TokenError mapError(const TokenHttpClient::Response &response);

private:
    void finish(const Completion &done, Result result);

    QString m_label;
    QUrl m_tokenUrl;
    QString m_clientId;
    std::unique_ptr<ClientCredential> m_credential;
    TokenHttpClient &m_http;
    Clock &m_clock;
};

} // namespace aap::auth
