#pragma once

#include <QNetworkProxy>
#include <QSslConfiguration>

namespace aap::proxy {

// How one route reaches its target, decided once at start: the TLS settings (trusted CAs, the
// route's client certificate) and the outbound proxy (NoProxy when direct).
struct RouteTransport {
    QSslConfiguration tls;
    QNetworkProxy proxy{QNetworkProxy::NoProxy};
};

} // namespace aap::proxy
