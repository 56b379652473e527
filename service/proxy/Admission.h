#pragma once

#include "http/RequestHead.h"
#include "inbound/InboundGuard.h"
#include "proxy/FailureTable.h"

#include <QHostAddress>
#include <QString>

#include <optional>
#include <variant>

namespace aap::proxy {

class RouteTable;
struct ProxyOptions;

// What admission reads besides the request: fixed for a connection, so it is built once per
// connection and each request costs no copy of it.
struct AdmissionContext {
    const ProxyOptions *options = nullptr; // routes' targets, listener address, /metrics
    const RouteTable *routes = nullptr;
    const inbound::InboundGuard *guard = nullptr;
    qsizetype fixedRoute = -1; // the route owning the port the client connected to; -1: by path
    quint16 localPort = 0;     // the address and port the client connected to
    QHostAddress localAddress;
    // The peer's own check (address, client certificate), decided once per connection.
    std::optional<inbound::InboundRejection> peerRejection;
};

// Decides what becomes of a parsed request head before any byte of its body is read: answered by
// the proxy itself, turned away, or forwarded along a route. Pure: no socket, no counter, no log.
class Admission {
public:
    enum class LocalEndpoint { Health, Ready, Metrics };
    // Answered by the proxy; the connection produces the body (readiness and metrics are live data).
    struct Local {
        LocalEndpoint endpoint;
    };
    // The listener's inbound protection turned it away (401/403): never forwarded, and the
    // connection closes after the reply.
    struct Rejected {
        inbound::InboundRejection rejection;
    };
    // A request this proxy will not forward (421, 404, 400).
    struct Refused {
        Failure failure;
        QString message;
    };
    struct Forward {
        qsizetype route;
    };
    using Decision = std::variant<Local, Rejected, Refused, Forward>;

    [[nodiscard]] static Decision decide(const http::RequestHead &request, const AdmissionContext &context);

    // An absolute-form authority names this proxy (a loopback or listener address, or localhost, on
    // the listener's port) or the target of `route` (-1: no route).
    [[nodiscard]] static bool authorityIsOurs(const http::RequestHead &request,
                                              const AdmissionContext &context, qsizetype route);

private:
    [[nodiscard]] static std::optional<LocalEndpoint> localEndpoint(QByteArrayView path,
                                                                    const AdmissionContext &context);
    [[nodiscard]] static Decision route(const http::RequestHead &request, QByteArrayView path,
                                        const AdmissionContext &context);
};

} // namespace aap::proxy
