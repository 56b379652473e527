#pragma once

#include "auth/TokenProvider.h"
#include "auth/providers/ManagedIdentitySelector.h"
#include "auth/providers/TokenHttpClient.h"
#include "config/Secret.h"
#include "core/Clock.h"

#include <QProcessEnvironment>
#include <QUrl>

namespace aap::auth {

// App Service, Functions and Container Apps managed identity:
// GET {IDENTITY_ENDPOINT}?resource=...&api-version=2019-08-01[&client_id|principal_id|mi_res_id]
// with "X-IDENTITY-HEADER: {IDENTITY_HEADER}" (a secret), never through a proxy. The answer has
// expires_on (Unix seconds or a legacy date string) and no expires_in.
class AppServiceProvider final : public TokenProvider {
    Q_OBJECT

public:
    struct Options {
        ManagedIdentitySelector identity;
        QUrl identityEndpoint;
        config::Secret identityHeader;

        // IDENTITY_ENDPOINT and IDENTITY_HEADER.
        [[nodiscard]] static Options fromEnvironment(ManagedIdentitySelector identity,
                                                     const QProcessEnvironment &environment);
    };

    AppServiceProvider(TokenHttpClient &http, Clock &clock, Options options, QObject *parent = nullptr);

    void fetch(const QString &resource, Completion done) override;
    [[nodiscard]] QString describe() const override;

    [[nodiscard]] static QUrl tokenUrl(const QUrl &identityEndpoint, const QString &resource,
                                       const ManagedIdentitySelector &identity);

private:
    TokenHttpClient &m_http;
    Clock &m_clock;
    Options m_options;
};

} // namespace aap::auth
