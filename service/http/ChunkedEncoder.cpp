#include "http/ChunkedEncoder.h"

namespace aap::http {

void ChunkedEncoder::appendChunk(QByteArrayView payload, QByteArray &out)
{
    if (payload.isEmpty())
        return;
    appendChunkHeader(quint64(payload.size()), out);
    out.append(payload);
    appendChunkEnd(out);
}

void ChunkedEncoder::appendChunkHeader(quint64 size, QByteArray &out)
{
    static constexpr char digits[] = "0123456789abcdef";
    char text[20];
    int length = 0;
    do {
        text[sizeof(text) - 1 - std::size_t(length)] = digits[size & 0xf];
        size >>= 4;
        ++length;
    } while (size != 0);
    out.append(QByteArrayView(text + sizeof(text) - std::size_t(length), length));
    out.append("\r\n", 2);
}

void ChunkedEncoder::appendChunkEnd(QByteArray &out)
{
    out.append("\r\n", 2);
}

void ChunkedEncoder::appendLastChunk(QByteArray &out)
{
    out.append("0\r\n\r\n", 5);
}

} // namespace aap::http
