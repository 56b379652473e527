#include "proxy/BodyRelay.h"

#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/ImmediateWriter.h"
#include "proxy/SocketInput.h"

#include <algorithm>
#include <utility>

namespace aap::proxy {

BodyRelay::BodyRelay(QByteArray &pending, QByteArray &scratch, const http::Limits &limits)
    : m_pending(pending), m_scratch(scratch), m_decoder(limits)
{}

void BodyRelay::start(http::BodyFraming framing, quint64 contentLength, Output output)
{
    m_framing = framing;
    m_remaining = contentLength;
    m_output = output;
    m_done = false;
    if (framing == http::BodyFraming::Chunked) {
        m_decoder.reset();
    }
}

Expected<BodyRelay::Progress, http::HttpError> BodyRelay::move(SocketInput *source, ImmediateWriter &sink,
                                                               QByteArrayView head)
{
    m_head = head;
    auto moved = moveBody(source, sink);
    if (!m_head.isEmpty()) {
        sink.write(std::exchange(m_head, {}));
    }
    return moved;
}

void BodyRelay::write(ImmediateWriter &sink, QByteArrayView part, const QByteArray *whole)
{
    const bool isWhole = whole != nullptr && part.size() == whole->size();
    const QByteArrayView head = std::exchange(m_head, {});
    if (isWhole) {
        sink.write(head, *whole);
    } else {
        sink.write(head, part);
    }
}

Expected<BodyRelay::Progress, http::HttpError> BodyRelay::moveBody(SocketInput *source, ImmediateWriter &sink)
{
    Progress progress;
    while (!m_done && sink.device().bytesToWrite() < kHighWaterBytes) {
        const bool fromPending = !m_pending.isEmpty();
        // A chunk taken whole from the source's buffer, written on without a copy.
        QByteArray block;
        const QByteArrayView input = nextInput(source, block);
        if (input.isEmpty()) {
            break;
        }
        const qsizetype used = relay(input, fromPending ? m_pending : block, sink);
        if (used < 0) {
            return Unexpected(http::HttpError::BadChunk);
        }
        progress.bytes += used;
        dropUsed(input, fromPending, used);
        if (used == 0) {
            break;
        }
    }
    progress.done = m_done;
    return progress;
}

bool BodyRelay::takeWhole(SocketInput &source, qint64 wanted, qint64 available, QByteArray &into)
{
    if (wanted != available) {
        return false;
    }
    into = source.take(wanted);
    return true;
}

bool BodyRelay::readAvailable(SocketInput &source, QByteArray &buffer, qint64 limit)
{
    const qint64 available = source.available();
    const qint64 wanted = std::min(available, limit - buffer.size());
    if (wanted <= 0) {
        return false;
    }
    // All that is buffered, taken without a copy: a head and the body bytes that came with it then
    // go on to the other socket uncopied too.
    if (buffer.isEmpty() && takeWhole(source, wanted, available, buffer)) {
        return !buffer.isEmpty();
    }
    const qsizetype old = buffer.size();
    buffer.resize(old + wanted);
    const qint64 got = source.read(buffer.data() + old, wanted);
    buffer.resize(old + std::max<qint64>(got, 0));
    return got > 0;
}

QByteArrayView BodyRelay::nextInput(SocketInput *source, QByteArray &block)
{
    if (!m_pending.isEmpty()) {
        return m_pending;
    }
    if (source == nullptr) {
        return {};
    }
    const qint64 available = source->available();
    qint64 wanted = available;
    if (m_framing == http::BodyFraming::ContentLength) {
        wanted = static_cast<qint64>(std::min<quint64>(static_cast<quint64>(wanted), m_remaining));
    }
    if (wanted <= 0) {
        return {};
    }
    if (takeWhole(*source, wanted, available, block)) {
        return block;
    }
    const qint64 got = source->read(m_scratch.data(), std::min<qint64>(wanted, m_scratch.size()));
    return {m_scratch.constData(), std::max<qint64>(got, 0)};
}

qsizetype BodyRelay::relay(QByteArrayView input, const QByteArray &whole, ImmediateWriter &sink)
{
    switch (m_framing) {
    case http::BodyFraming::ContentLength: {
        const auto used =
            static_cast<qsizetype>(std::min<quint64>(static_cast<quint64>(input.size()), m_remaining));
        write(sink, input.first(used), &whole);
        m_remaining -= static_cast<quint64>(used);
        m_done = m_remaining == 0;
        return used;
    }
    case http::BodyFraming::Chunked:
        return relayChunked(input, sink);
    default:
        write(sink, input, &whole);
        return input.size();
    }
}

qsizetype BodyRelay::relayChunked(QByteArrayView input, ImmediateWriter &sink)
{
    QByteArrayView rest = input;
    while (!rest.isEmpty()) {
        QByteArrayView payload;
        const bool trailerBytes = m_decoder.inTrailers();
        const http::ParseResult result = m_decoder.decode(rest, payload);
        if (result.status == http::ParseStatus::Error) {
            qCWarning(lcHttp).noquote() << "bad chunked body" << log::LogField::kv("detail", result.detail);
            return -1;
        }
        writeChunkBytes(sink, rest.first(result.consumed), payload, trailerBytes);
        rest = rest.sliced(result.consumed);
        if (result.status == http::ParseStatus::Complete) {
            if (m_output == Output::RawNoTrailers) {
                // The empty line after the last chunk, without the trailer fields before it.
                write(sink, QByteArrayView("\r\n", 2));
            }
            m_done = true;
            break;
        }
        if (result.consumed == 0) {
            break;
        }
    }
    return input.size() - rest.size();
}

void BodyRelay::writeChunkBytes(ImmediateWriter &sink, QByteArrayView raw, QByteArrayView payload,
                                bool trailerBytes)
{
    if (m_output == Output::Payload) {
        if (!payload.isEmpty()) {
            write(sink, payload);
        }
    } else if (!raw.isEmpty() && !(trailerBytes && m_output == Output::RawNoTrailers)) {
        write(sink, raw);
    }
}

void BodyRelay::dropUsed(QByteArrayView input, bool fromPending, qsizetype used)
{
    if (fromPending && used == m_pending.size()) {
        m_pending.clear(); // it may be shared with the sink's write buffer now: drop it, do not detach
    } else if (fromPending) {
        m_pending.remove(0, used);
    } else if (used < input.size()) {
        // The next message (or trailing garbage) follows the body: keep it for later.
        m_pending.append(input.sliced(used));
    }
}

bool BodyRelay::chunkedPrefixIsValid(QByteArrayView bytes, const http::Limits &limits)
{
    http::ChunkedDecoder decoder(limits);
    while (!bytes.isEmpty()) {
        QByteArrayView payload;
        const http::ParseResult result = decoder.decode(bytes, payload);
        if (result.status == http::ParseStatus::Error) {
            return false;
        }
        if (result.status == http::ParseStatus::Complete || result.consumed == 0) {
            return true;
        }
        bytes = bytes.sliced(result.consumed);
    }
    return true;
}

} // namespace aap::proxy
