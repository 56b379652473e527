#include "proxy/RequestBody.h"

#include "proxy/DeadlineExpiry.h"
#include "proxy/ProxyOptions.h"
#include "proxy/SocketInput.h"

namespace aap::proxy {

namespace {
// A request body is read ahead up to this size before an upstream connection is taken.
constexpr qsizetype kBodyBufferBytes = qsizetype{64} * 1024;
} // namespace

RequestBody::RequestBody(QByteArray &in, QByteArray &scratch, const ProxyOptions &options)
    : m_in(in), m_options(options), m_relay(in, scratch, httpLimits(options.limits)),
      m_scan(httpLimits(options.limits)),
      m_clock(options.limits.requestBodyTimeout, options.limits.requestBodyMinRate)
{}

void RequestBody::begin(const http::RequestHead &request)
{
    m_relayed = 0;
    m_clock.stop();
    m_framing = request.framing();
    m_relay.start(m_framing, request.contentLength(), BodyRelay::Output::RawNoTrailers);
    m_done = m_framing != http::BodyFraming::Chunked &&
             (m_framing != http::BodyFraming::ContentLength || request.contentLength() == 0);
    if (!m_done && m_framing == http::BodyFraming::Chunked) {
        m_scan.reset();
        m_scanned = 0;
    }
}

void RequestBody::readAhead(SocketInput &client)
{
    BodyRelay::readAvailable(client, m_in, kBodyBufferBytes);
}

bool RequestBody::buffered()
{
    if (m_in.size() >= kBodyBufferBytes) {
        return true;
    }
    if (m_framing == http::BodyFraming::ContentLength) {
        return static_cast<quint64>(m_in.size()) >= m_relay.remaining();
    }
    while (m_scanned < m_in.size()) {
        QByteArrayView payload;
        const http::ParseResult result = m_scan.decode(QByteArrayView(m_in).sliced(m_scanned), payload);
        if (result.status != http::ParseStatus::Incomplete) {
            return true;
        }
        if (result.consumed == 0) {
            break;
        }
        m_scanned += result.consumed;
    }
    return false;
}

void RequestBody::startClock(Time now)
{
    m_clock.start(now, received());
}

std::optional<QString> RequestBody::tooSlow(Time now, bool targetHoldsBody)
{
    if (m_done || !m_clock.expired(now, received())) {
        return std::nullopt;
    }
    if (targetHoldsBody) {
        m_clock.start(now, received());
        return std::nullopt;
    }
    return DeadlineExpiry::bodyTooSlow(m_clock.receivedSinceStart(received()), m_clock.elapsed(now),
                                       m_options);
}

Expected<BodyRelay::Progress, http::HttpError>
RequestBody::relay(SocketInput &client, ImmediateWriter &upstream, QByteArrayView head)
{
    auto moved = m_relay.move(&client, upstream, head);
    if (moved) {
        m_relayed += static_cast<quint64>(moved->bytes);
        m_done = moved->done;
    }
    return moved;
}

quint64 RequestBody::received() const
{
    return m_relayed + static_cast<quint64>(m_in.size());
}

} // namespace aap::proxy
