#pragma once

#include "http/HttpTypes.h"
#include "proxy/ProxyCounters.h"

#include <QByteArrayView>

#include <cstdint>

namespace aap::proxy {

// Every way a request can fail before its response is relayed. The status, the JSON error code and
// the counted kind of each live in one table (FailureTable), so no call site spells them out.
enum class Failure : std::uint8_t {
    MisdirectedRequest,    // absolute-form target naming another host
    NoRoute,               // no route matches the path
    PathEscapesRoute,      // dot-segments climb above the route's prefix
    BadChunkedRequestBody, // the client's chunked body is malformed
    ClientHeaderTimeout,   // the request head did not arrive in time
    ClientBodyTooSlow,     // the request body arrived slower than the limits allow
    ClientBodyStalled,     // the request body stopped while the target was ready for it
    NoToken,               // no usable token for the route
    PoolExhausted,         // every connection to the target is busy or streams a body
    UpstreamConnect,       // connecting to the target failed
    UpstreamTls,           // TLS with the target failed
    UpstreamTimeout,       // the target was too slow (connect, handshake, head, reading the body)
    UpstreamReset,         // the target closed the connection before a complete response head
    UpstreamBadResponse,   // the target sent what this proxy cannot relay
    ShuttingDown,          // the drain deadline passed before the request was forwarded
};

struct FailureSpec {
    int status = 500;
    QByteArrayView code;        // the JSON error code the client reads
    ProxyErrorKind kind{};      // the counter it adds to
    QByteArrayView extraFields; // complete header lines for the reply (Allow for a 405)
};

class FailureTable {
public:
    [[nodiscard]] static FailureSpec of(Failure failure);
    // A request head the parser rejected.
    [[nodiscard]] static FailureSpec of(http::HttpError error);
};

} // namespace aap::proxy
