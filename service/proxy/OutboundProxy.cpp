#include "proxy/OutboundProxy.h"

#include "auth/providers/TokenHttpClient.h"

#include <QHostAddress>
#include <QUrl>

#include <gsl/narrow>

namespace aap::proxy {

QNetworkProxy OutboundProxy::fromUrl(const QUrl &url)
{
    return QNetworkProxy(QNetworkProxy::HttpProxy, url.host(), gsl::narrow_cast<quint16>(url.port(8080)),
                         url.userName(QUrl::FullyDecoded), url.password(QUrl::FullyDecoded));
}

QNetworkProxy OutboundProxy::forRoute(const config::RouteConfig &route,
                                      const config::OutboundProxyConfig &outbound, bool loopbackBypasses)
{
    if (!route.proxy.isEmpty())
        return fromUrl(route.proxy);
    const QUrl &environmentProxy = route.target.isTls() ? outbound.httpsProxy : outbound.httpProxy;
    if (environmentProxy.isEmpty())
        return QNetworkProxy(QNetworkProxy::NoProxy);
    const QHostAddress address(route.target.host);
    const bool loopback = route.target.host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0 ||
                          address.isLoopback();
    if (loopback && !loopbackBypasses)
        return fromUrl(environmentProxy);
    QUrl target;
    target.setScheme(route.target.scheme);
    target.setHost(route.target.host);
    target.setPort(route.target.port);
    if (auth::TokenHttpClient::bypassesProxy(target, outbound.noProxy))
        return QNetworkProxy(QNetworkProxy::NoProxy);
    return fromUrl(environmentProxy);
}

} // namespace aap::proxy
