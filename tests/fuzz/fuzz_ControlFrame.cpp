// Control protocol frames: the pure decoder and the message parser never crash, a frame is never
// longer than its input, the buffered reader yields the same payloads fed whole or byte by byte,
// and a parsed message re-encodes to something that parses to the same id and type.
#include "ipc/ControlMessage.h"
#include "ipc/FrameCodec.h"
#include "ipc/FrameReader.h"

#include <QList>

#include <cstdint>
#include <cstdlib>

using namespace aap::ipc;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

// Payloads until the first error or until more input is needed; `failed` says whether it ended on an error.
QList<QByteArray> readAll(QByteArrayView input, qsizetype step, bool &failed)
{
    FrameReader reader;
    QList<QByteArray> payloads;
    failed = false;
    for (qsizetype offset = 0; offset < input.size() && !failed; offset += step) {
        reader.append(input.sliced(offset, std::min(step, input.size() - offset)));
        while (true) {
            auto next = reader.next();
            if (!next) {
                failed = true;
                break;
            }
            if (!next->has_value())
                break;
            payloads.append(**next);
        }
    }
    return payloads;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView input(data, static_cast<qsizetype>(size));
    const FrameCodec::Decoded decoded = FrameCodec::decode(input);
    if (decoded.kind == FrameCodec::Decoded::Kind::Frame) {
        check(decoded.consumed <= input.size());
        check(decoded.payload.size() + qsizetype{FrameCodec::kHeaderSize} == decoded.consumed);
        check(FrameCodec::encode(decoded.payload).value() == input.first(decoded.consumed).toByteArray());
    }

    bool wholeFailed = false;
    bool bytewiseFailed = false;
    const auto whole = readAll(input, input.size() > 0 ? input.size() : 1, wholeFailed);
    const auto bytewise = readAll(input, 1, bytewiseFailed);
    check(whole == bytewise);
    check(wholeFailed == bytewiseFailed);

    for (const QByteArray &payload : whole) {
        const auto message = ControlMessage::fromJson(payload);
        if (!message)
            continue;
        const auto again = ControlMessage::fromJson(message->toJson());
        check(again.has_value() && again->id == message->id && again->type == message->type);
    }
    return 0;
}
