// Chunked decoder: decoding at once and in small pieces agree; a decoded payload re-encoded with
// ChunkedEncoder decodes to itself.
#include "http/ChunkedDecoder.h"
#include "http/ChunkedEncoder.h"

#include <cstdint>
#include <cstdlib>

using namespace aap::http;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

struct Decoded {
    ParseStatus status = ParseStatus::Incomplete;
    qsizetype consumed = 0;
    QByteArray payload;
};

Decoded decode(QByteArrayView input, qsizetype step, const Limits &limits)
{
    ChunkedDecoder decoder(limits);
    Decoded out;
    for (qsizetype offset = 0; offset < input.size(); offset += step) {
        QByteArrayView piece = input.sliced(offset, std::min(step, input.size() - offset));
        while (!piece.isEmpty()) {
            QByteArrayView payload;
            const ParseResult result = decoder.decode(piece, payload);
            if (result.status == ParseStatus::Error) {
                out.status = ParseStatus::Error;
                return out;
            }
            check(result.consumed > 0 || result.status == ParseStatus::Complete);
            check(payload.isEmpty() || (payload.data() >= piece.data() &&
                                        payload.data() + payload.size() <= piece.data() + result.consumed));
            out.payload += payload.toByteArray();
            piece = piece.sliced(result.consumed);
            out.consumed += result.consumed;
            if (result.status == ParseStatus::Complete) {
                out.status = ParseStatus::Complete;
                return out;
            }
        }
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));
    Limits limits;
    limits.maxChunkLineBytes = 64;
    limits.maxTrailerBytes = 256;
    limits.maxBodyBytes = 1 << 16;
    const Decoded whole = decode(input, qMax<qsizetype>(1, input.size()), limits);
    const Decoded slow = decode(input, 1, limits);
    check(whole.status == slow.status);
    if (whole.status == ParseStatus::Error)
        return 0;
    check(whole.consumed == slow.consumed);
    check(whole.payload == slow.payload);

    QByteArray encoded;
    ChunkedEncoder::appendChunk(whole.payload, encoded);
    ChunkedEncoder::appendLastChunk(encoded);
    const Decoded again = decode(encoded, 3, limits);
    check(again.status == ParseStatus::Complete);
    check(again.consumed == encoded.size());
    check(again.payload == whole.payload);
    return 0;
}
