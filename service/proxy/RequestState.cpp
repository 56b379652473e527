#include "proxy/RequestState.h"

#include "proxy/ProxyOptions.h"
#include "proxy/ProxyWorker.h"

namespace aap::proxy {

RequestState::RequestState(ProxyWorker &worker, UpstreamExchange::Client &client, ImmediateWriter &clientOut,
                           QByteArray &in, QByteArray &out, const QByteArray &peerAddress)
    : local(worker, peerAddress), parser(httpLimits(worker.options().limits)),
      body(in, worker.scratch(), worker.options()),
      upstream(worker, client, clientOut, request, exchange, out, peerAddress)
{}

RequestState::~RequestState()
{
    upstream.release(false);
}

} // namespace aap::proxy
