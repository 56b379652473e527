#include "proxy/Admission.h"

#include "http/DotSegments.h"
#include "http/HttpSyntax.h"
#include "http/RequestAuthority.h"
#include "proxy/ProxyOptions.h"
#include "proxy/RouteTable.h"

#include <gsl/assert>

namespace aap::proxy {

namespace {

quint16 defaultPort(QByteArrayView scheme)
{
    return http::syntax::equalsIgnoreCase(scheme, "https") ? 443 : 80;
}

bool namesThisProxy(const http::RequestAuthority &authority, QByteArrayView scheme,
                    const AdmissionContext &context)
{
    if (authority.port.value_or(defaultPort(scheme)) != context.localPort) {
        return false;
    }
    if (http::syntax::equalsIgnoreCase(authority.host, "localhost")) {
        return true;
    }
    const QHostAddress address(QString::fromLatin1(authority.host));
    return !address.isNull() && (address.isLoopback() || address.isEqual(context.options->listener.address) ||
                                 address.isEqual(context.localAddress));
}

} // namespace

Admission::Decision Admission::decide(const http::RequestHead &request, const AdmissionContext &context)
{
    Expects(context.options != nullptr && context.routes != nullptr && context.guard != nullptr);
    QByteArrayView path = request.pathAndQuery();
    if (const auto query = path.indexOf('?'); query >= 0) {
        path = path.first(query);
    }
    const auto local = localEndpoint(path, context);
    auto rejection = context.peerRejection;
    // /health and /ready reveal nothing and must work for probes that carry no key.
    const bool probe = local == LocalEndpoint::Health || local == LocalEndpoint::Ready;
    if (!rejection && !probe) {
        rejection = context.guard->checkRequest(request);
    }
    if (rejection) {
        return Rejected{*std::move(rejection)};
    }
    if (local) {
        return Local{*local};
    }
    return route(request, path, context);
}

std::optional<Admission::LocalEndpoint> Admission::localEndpoint(QByteArrayView path,
                                                                 const AdmissionContext &context)
{
    if (path == QByteArrayView("/health")) {
        return LocalEndpoint::Health;
    }
    if (path == QByteArrayView("/ready")) {
        return LocalEndpoint::Ready;
    }
    if (path == QByteArrayView("/metrics") && context.options->telemetry.metricsText) {
        return LocalEndpoint::Metrics;
    }
    return std::nullopt;
}

Admission::Decision Admission::route(const http::RequestHead &request, QByteArrayView path,
                                     const AdmissionContext &context)
{
    const auto route =
        context.fixedRoute >= 0 ? std::optional<qsizetype>(context.fixedRoute) : context.routes->match(path);
    if (request.targetForm() == http::TargetForm::Absolute &&
        !authorityIsOurs(request, context, route.value_or(-1))) {
        return Refused{Failure::MisdirectedRequest,
                       QStringLiteral("the absolute request-target names another host; this is a reverse "
                                      "proxy, never an open proxy")};
    }
    if (!route) {
        return Refused{Failure::NoRoute, QStringLiteral("no route matches the request path")};
    }
    if (http::DotSegments::climbAbovePrefix(path, context.routes->prefixLength(*route))) {
        return Refused{Failure::PathEscapesRoute,
                       QStringLiteral("the path's dot-segments climb above the route's prefix")};
    }
    return Forward{*route};
}

bool Admission::authorityIsOurs(const http::RequestHead &request, const AdmissionContext &context,
                                qsizetype route)
{
    const QByteArrayView target = request.target();
    const auto authority = http::RequestAuthority::parse(request.authority());
    if (!authority) {
        return false;
    }
    // This proxy, by a name or address that reaches its listener.
    if (namesThisProxy(*authority, target.first(target.indexOf(':')), context)) {
        return true;
    }
    // The target itself, as a client configured to use this proxy as an HTTP proxy names it.
    if (route < 0) {
        return false;
    }
    const auto &targetUrl = context.options->routes[route].config.target;
    return http::syntax::equalsIgnoreCase(authority->host, targetUrl.host.toLatin1()) &&
           authority->port.value_or(defaultPort(targetUrl.scheme.toLatin1())) == targetUrl.port;
}

} // namespace aap::proxy
