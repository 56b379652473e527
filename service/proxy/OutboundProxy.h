#pragma once

#include "config/ServiceConfig.h"

#include <QNetworkProxy>

namespace aap::proxy {

// Which HTTP proxy, if any, carries a route's connections to its target. Every proxied connection
// is a CONNECT tunnel (Qt's HTTP proxy socket engine), so TLS stays end to end with the target.
class OutboundProxy {
public:
    // A route's own proxy setting wins and applies whatever the target's address. Otherwise
    // HTTPS_PROXY (https targets) or HTTP_PROXY (http targets) unless NO_PROXY names the target or
    // the target is loopback; `loopbackBypasses` is a test hook (a real proxy started by a test can
    // only reach targets on 127.0.0.1).
    [[nodiscard]] static QNetworkProxy forRoute(const config::RouteConfig &route,
                                                const config::OutboundProxyConfig &outbound,
                                                bool loopbackBypasses = true);
    // An http://[user:password@]host:port URL as a Qt proxy (credentials answer a 407 challenge).
    [[nodiscard]] static QNetworkProxy fromUrl(const QUrl &url);
};

} // namespace aap::proxy
