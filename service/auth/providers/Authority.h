#pragma once

#include "config/ServiceConfig.h"
#include "core/Expected.h"

#include <QProcessEnvironment>
#include <QString>
#include <QUrl>

namespace aap::auth {

// The Entra ID authority host (login.microsoftonline.com and friends) and the token URLs built on
// it. HTTPS only: a client secret or assertion must never travel in clear text.
class Authority {
public:
    // IdentityConfig.authorityHost, else AZURE_AUTHORITY_HOST from environment, else the host of
    // IdentityConfig.cloud.
    static Expected<Authority, QString> resolve(const config::IdentityConfig &identity,
                                                const QProcessEnvironment &environment);
    // "https://host[:port][/path]" or a bare host name (taken as https). http and other schemes
    // are refused.
    static Expected<Authority, QString> fromHost(const QString &host);
    static Authority forCloud(config::Cloud cloud);

    // https://{host}/{tenant}/oauth2/v2.0/token; the tenant is checked so it cannot alter the path.
    [[nodiscard]] Expected<QUrl, QString> tokenUrl(const QString &tenant) const;
    [[nodiscard]] const QUrl &host() const { return m_host; }

    // The v2.0 scope for a resource: "<resource>/.default", added exactly once, no double slash.
    static QString scopeFor(const QString &resource);

private:
    explicit Authority(QUrl host) : m_host(std::move(host)) {}
    QUrl m_host; // scheme https, host, optional port and base path without trailing '/'
};

} // namespace aap::auth
