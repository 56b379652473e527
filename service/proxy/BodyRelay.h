#pragma once

#include "core/Expected.h"
#include "http/ChunkedDecoder.h"
#include "http/HttpTypes.h"

#include <QByteArray>

namespace aap::proxy {

class ImmediateWriter;
class SocketInput;

// One message body in flight from a source to a sink: its framing, the chunked decoder,
// the bytes still owed, and the pending buffer that holds bytes read before the body started (they
// came with the head) or after it ended (the next message). Moves without copying where Qt allows.
class BodyRelay {
public:
    // What is written of a chunked body.
    enum class Output {
        Raw,           // the chunk bytes as received, trailer section included
        RawNoTrailers, // the chunk bytes, then the final CRLF without the trailer fields
        Payload,       // only the decoded payload
    };
    struct Progress {
        qint64 bytes = 0;  // body bytes taken from pending and source
        bool done = false; // the body ended
    };

    // Data accepted into a sink's write buffer before reading from the source pauses.
    static constexpr qint64 kHighWaterBytes = qint64{256} * 1024;

    // `pending` and `scratch` outlive the relay; scratch is any reusable buffer with capacity.
    BodyRelay(QByteArray &pending, QByteArray &scratch, const http::Limits &limits);

    void start(http::BodyFraming framing, quint64 contentLength, Output output);
    // Moves what is pending, then what `source` has received (null: nothing more comes), into
    // `sink` until the body ends or the sink holds kHighWaterBytes. BadChunk for a malformed body.
    // `head` (the message's head) goes first, in one system call with the body's first bytes when
    // both go directly; it is written by the time move() returns, whatever the outcome.
    Expected<Progress, http::HttpError> move(SocketInput *source, ImmediateWriter &sink,
                                             QByteArrayView head = {});
    [[nodiscard]] quint64 remaining() const { return m_remaining; }

    // Appends what `source` has received to `buffer`, up to `limit` bytes in all; true when any
    // byte arrived.
    static bool readAvailable(SocketInput &source, QByteArray &buffer, qint64 limit);
    // Whether the chunked body bytes that arrived together with a head decode cleanly so far.
    [[nodiscard]] static bool chunkedPrefixIsValid(QByteArrayView bytes, const http::Limits &limits);

private:
    // The source hands its buffer over without copying it when asked for all it holds (Qt: its
    // read buffer's first chunk, all that is buffered after one socket read). Reads nothing and
    // returns false unless `wanted` is all that is available.
    static bool takeWhole(SocketInput &source, qint64 wanted, qint64 available, QByteArray &into);
    // The next input: pending bytes, else the source's; empty when there is none.
    QByteArrayView nextInput(SocketInput *source, QByteArray &block);
    // Writes the body bytes at the start of `input`; returns how many were used, -1 on a bad chunk.
    qsizetype relay(QByteArrayView input, const QByteArray &whole, ImmediateWriter &sink);
    qsizetype relayChunked(QByteArrayView input, ImmediateWriter &sink);
    void writeChunkBytes(ImmediateWriter &sink, QByteArrayView raw, QByteArrayView payload,
                         bool trailerBytes);
    // Writes body bytes, after the head when it is still unwritten. `whole`, when not null, is the
    // buffer `part` views: Qt's write buffer keeps one of 4 KiB or more by reference, a part it copies.
    void write(ImmediateWriter &sink, QByteArrayView part, const QByteArray *whole = nullptr);
    Expected<Progress, http::HttpError> moveBody(SocketInput *source, ImmediateWriter &sink);
    void dropUsed(QByteArrayView input, bool fromPending, qsizetype used);

    QByteArray &m_pending;
    QByteArray &m_scratch;
    http::ChunkedDecoder m_decoder;
    http::BodyFraming m_framing = http::BodyFraming::None;
    Output m_output = Output::Raw;
    quint64 m_remaining = 0;
    QByteArrayView m_head; // during move(): the head not yet written
    bool m_done = false;
};

} // namespace aap::proxy
