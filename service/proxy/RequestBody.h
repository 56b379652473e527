#pragma once

#include "core/Expected.h"
#include "http/ChunkedDecoder.h"
#include "http/RequestHead.h"
#include "proxy/BodyRateClock.h"
#include "proxy/BodyRelay.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace aap::proxy {

struct ProxyOptions;
class SocketInput;

// The client's request body from its head to its last byte: read ahead into the connection's input
// buffer before an upstream connection is taken (so a client that trickles it holds none), paced
// against the body rate limits, then relayed to the target.
class RequestBody {
public:
    using Time = BodyRateClock::Time;

    // `in`: the connection's input buffer, which holds body bytes read with or after the head.
    RequestBody(QByteArray &in, QByteArray &scratch, const ProxyOptions &options);

    // A new request head; a request without a body is done at once.
    void begin(const http::RequestHead &request);
    [[nodiscard]] bool done() const { return m_done; }
    // Reads ahead from the client, up to a buffer's worth.
    void readAhead(SocketInput &client);
    // The whole body (or a malformed one, which the relay answers with 400), or a buffer's worth, is
    // in the input buffer.
    [[nodiscard]] bool buffered();
    // The client may send its body from `now` (at once, or after 100 Continue).
    void startClock(Time now);
    // The 408 message when the body arrives slower than the limits allow. A target that holds the
    // body back (`targetHoldsBody`; the body idle time-out watches it) restarts the client's time.
    [[nodiscard]] std::optional<QString> tooSlow(Time now, bool targetHoldsBody);
    // Relays what the client sent on to the target, without trailers: they could carry fields the
    // proxy must control (Authorization) or that the removed Trailer field no longer declares.
    // `head`: see BodyRelay::move().
    Expected<BodyRelay::Progress, http::HttpError> relay(SocketInput &client, ImmediateWriter &upstream,
                                                         QByteArrayView head);

private:
    // Body bytes received: relayed, plus buffered in the input buffer.
    [[nodiscard]] quint64 received() const;

    QByteArray &m_in;
    const ProxyOptions &m_options;
    BodyRelay m_relay;
    http::ChunkedDecoder m_scan; // finds a buffered chunked body's end; m_relay relays it
    qsizetype m_scanned = 0;
    BodyRateClock m_clock;
    quint64 m_relayed = 0;
    http::BodyFraming m_framing = http::BodyFraming::None;
    bool m_done = true;
};

} // namespace aap::proxy
