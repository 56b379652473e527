#pragma once

#include "auth/TokenProvider.h"
#include "auth/providers/ManagedIdentitySelector.h"
#include "auth/providers/TokenHttpClient.h"
#include "core/Clock.h"

#include <QProcessEnvironment>
#include <QUrl>

namespace aap::auth {

// Azure Instance Metadata Service (VM / VMSS / AKS node managed identity):
// GET
// {host}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=...[&client_id|object_id|msi_res_id]
// with "Metadata: true", never through a proxy.
class ImdsProvider final : public TokenProvider {
    Q_OBJECT

public:
    struct Options {
        ManagedIdentitySelector identity;
        QUrl authorityHost = QUrl(QStringLiteral("http://169.254.169.254"));

        // AZURE_POD_IDENTITY_AUTHORITY_HOST moves the host (pod identity, tests).
        [[nodiscard]] static Options fromEnvironment(ManagedIdentitySelector identity,
                                                     const QProcessEnvironment &environment);
    };

    ImdsProvider(TokenHttpClient &http, Clock &clock, Options options, QObject *parent = nullptr);

    void fetch(const QString &resource, Completion done) override;
    [[nodiscard]] QString describe() const override;

    [[nodiscard]] static QUrl tokenUrl(const QUrl &authorityHost, const QString &resource,
                                       const ManagedIdentitySelector &identity);
    // IMDS retry rule: 404 (endpoint updating), 410 (IMDS updating), 429 and 5xx are retryable,
    // other statuses are not. Also used for Arc, which speaks the same protocol.
    [[nodiscard]] static TokenError httpError(const TokenHttpClient::Response &response);
    // A 2xx token body or an HTTP error, as a provider result.
    [[nodiscard]] static Result toResult(const TokenHttpClient::Response &response, Clock::TimePoint now);
    // "https://monitor.azure.com/.default" -> "https://monitor.azure.com": IMDS wants a resource.
    [[nodiscard]] static QString resourceFromAudience(const QString &audience);

private:
    TokenHttpClient &m_http;
    Clock &m_clock;
    Options m_options;
};

} // namespace aap::auth
