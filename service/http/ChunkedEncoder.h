#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace aap::http {

// Frames payload as chunks (RFC 9112 section 7.1). Stateless: appends to a caller-provided buffer.
class ChunkedEncoder {
public:
    // "<hex size>\r\n<payload>\r\n"; an empty payload appends nothing (an empty chunk would end the body).
    static void appendChunk(QByteArrayView payload, QByteArray &out);
    // Only the chunk header "<hex size>\r\n", for writing the payload separately (no copy); follow
    // the payload with appendChunkEnd().
    static void appendChunkHeader(quint64 size, QByteArray &out);
    static void appendChunkEnd(QByteArray &out);
    // The last chunk and an empty trailer section: "0\r\n\r\n".
    static void appendLastChunk(QByteArray &out);
};

} // namespace aap::http
