#pragma once

#include "http/RequestHead.h"
#include "http/RequestHeadParser.h"
#include "proxy/ExchangeRecorder.h"
#include "proxy/LocalResponder.h"
#include "proxy/RequestBody.h"
#include "proxy/UpstreamExchange.h"

#include <QByteArray>

namespace aap::proxy {

class ImmediateWriter;
class ProxyWorker;

// What a client connection needs only while it has requests: the head being parsed, the request,
// its body, its telemetry, its local replies and the target's side of the exchange (1.2 KB). Made when a
// request's first byte arrives and freed once the connection sat idle for a sweep, so a kept-alive client
// that sends nothing costs little, and one that keeps sending allocates nothing per request.
class RequestState {
public:
    // The references are the connection's and outlive this state.
    RequestState(ProxyWorker &worker, UpstreamExchange::Client &client, ImmediateWriter &clientOut,
                 QByteArray &in, QByteArray &out, const QByteArray &peerAddress);
    // Gives a connection the exchange still holds (or waits for) back to the pool.
    ~RequestState();
    RequestState(const RequestState &) = delete;
    RequestState &operator=(const RequestState &) = delete;
    RequestState(RequestState &&) = delete;
    RequestState &operator=(RequestState &&) = delete;

    LocalResponder local;
    http::RequestHeadParser parser;
    http::RequestHead request;
    RequestBody body;
    ExchangeState exchange;
    UpstreamExchange upstream;
};

} // namespace aap::proxy
