#pragma once

#include "config/ServiceConfig.h"
#include "core/Expected.h"

#include <QSslConfiguration>
#include <QString>

namespace aap::proxy {

// The TLS settings every upstream connection uses: system CAs plus the extra PEM bundles from
// UpstreamConfig::caBundlePath and SSL_CERT_FILE, peer verification on. Built once at start.
class UpstreamTls {
public:
    [[nodiscard]] static Expected<QSslConfiguration, QString> build(const config::UpstreamConfig &upstream);
};

} // namespace aap::proxy
