#pragma once

#include "http/HttpTypes.h"

#include <QByteArrayView>

namespace aap::http {

// Incremental decoder for the chunked transfer coding (RFC 9112 section 7.1). Keeps its state
// between calls, so the caller never has to buffer chunk metadata: feed whatever arrived.
//
// decode() consumes input up to and including the next run of payload bytes and returns that run
// in `payload` (a view into `input`, possibly empty). Loop:
//     while (!in.isEmpty()) {
//         QByteArrayView payload;
//         const ParseResult r = decoder.decode(in, payload);
//         if (r.status == ParseStatus::Error) -> 400 / 502, close
//         write(payload); in = in.sliced(r.consumed);
//         if (r.status == ParseStatus::Complete) -> message ended; `in` is the next message
//     }
// Incomplete with consumed == input.size() means everything was used and more is needed.
// Complete means the last chunk and the trailer section ended at `consumed`. decode() also returns
// right after the last chunk's size line, so the bytes of one call are either all before the trailer
// section or all inside it (inTrailers() before the call says which). Chunk extensions are
// skipped (bounded by maxChunkLineBytes); trailer fields are validated, bounded by maxTrailerBytes
// and dropped (never merged into the head, so they cannot smuggle hop-by-hop or framing fields).
class ChunkedDecoder {
public:
    explicit ChunkedDecoder(Limits limits = {});

    ParseResult decode(QByteArrayView input, QByteArrayView &payload);
    void reset();

    bool finished() const { return m_state == State::Done; }
    // The last chunk was read; what follows is the trailer section and the final CRLF.
    bool inTrailers() const
    {
        return m_state == State::TrailerStart || m_state == State::Trailer || m_state == State::TrailerLf ||
               m_state == State::FinalLf;
    }
    // Payload bytes decoded so far in this message.
    quint64 payloadBytes() const { return m_payloadBytes; }

private:
    enum class State {
        Size,      // hex digits of the chunk size
        Extension, // after the size: chunk extensions up to CR
        SizeLf,    // CR seen, LF expected
        Data,      // m_remaining payload bytes follow
        DataCr,    // CRLF after chunk data
        DataLf,
        TrailerStart, // start of a trailer line or of the final CRLF
        Trailer,      // inside a trailer field line
        TrailerLf,    // CR of a trailer line seen
        FinalLf,      // CR of the final empty line seen
        Done,
    };

    ParseResult fail(HttpError kind, const char *detail);

    Limits m_limits;
    State m_state = State::Size;
    quint64 m_remaining = 0;
    quint64 m_payloadBytes = 0;
    qsizetype m_lineBytes = 0;
    qsizetype m_trailerBytes = 0;
    int m_sizeDigits = 0;
    bool m_extensionStarted = false; // a ';' was seen on the chunk-size line
    bool m_trailerNameDone = false;
    qsizetype m_trailerNameLength = 0;
};

} // namespace aap::http
