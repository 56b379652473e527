#pragma once

#include <gsl/pointers>

namespace aap::proxy {

class UpstreamConnection;

enum class UpstreamFailure {
    Connect, // TCP connect refused / unreachable / DNS
    Tls,     // handshake or certificate verification failed
    Closed,  // the upstream closed or reset an established connection
};

// The owner of an upstream connection for the duration of one exchange (a client connection).
// The pool and the connection call it on the worker thread.
class UpstreamHandler {
public:
    UpstreamHandler() = default;
    UpstreamHandler(const UpstreamHandler &) = delete;
    UpstreamHandler &operator=(const UpstreamHandler &) = delete;
    UpstreamHandler(UpstreamHandler &&) = delete;
    UpstreamHandler &operator=(UpstreamHandler &&) = delete;

    // A connection was opened for this handler (it may still be connecting).
    virtual void upstreamAssigned(gsl::not_null<UpstreamConnection *> connection) = 0;
    // A connection is ready (TCP connected and, for https, TLS verified).
    virtual void upstreamReady(gsl::not_null<UpstreamConnection *> connection) = 0;
    // TCP is connected, the TLS handshake starts (the next time-out applies).
    virtual void upstreamTcpConnected() = 0;
    virtual void upstreamReadyRead() = 0;
    virtual void upstreamBytesWritten() = 0;
    virtual void upstreamFailed(UpstreamFailure failure) = 0;

protected:
    ~UpstreamHandler() = default;
};

} // namespace aap::proxy
