#include "ipc/FrameCodec.h"

#include <gsl/narrow>

namespace aap::ipc {

using namespace Qt::StringLiterals;

FrameCodec::Decoded FrameCodec::decode(QByteArrayView input)
{
    Decoded result;
    if (input.size() < qsizetype{kHeaderSize})
        return result;
    const auto byte = [&input](qsizetype i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(input[i]));
    };
    const std::uint32_t length = (byte(0) << 24U) | (byte(1) << 16U) | (byte(2) << 8U) | byte(3);
    if (length == 0) {
        result.kind = Decoded::Kind::Error;
        result.error = u"empty frame"_s;
        return result;
    }
    if (length > kMaxPayloadSize) {
        result.kind = Decoded::Kind::Error;
        result.error = u"frame of %1 bytes exceeds the maximum of %2"_s.arg(length).arg(kMaxPayloadSize);
        return result;
    }
    const qsizetype total = qsizetype{kHeaderSize} + gsl::narrow<qsizetype>(length);
    if (input.size() < total)
        return result;
    result.kind = Decoded::Kind::Frame;
    result.consumed = total;
    result.payload = input.sliced(kHeaderSize, gsl::narrow<qsizetype>(length));
    return result;
}

Expected<QByteArray, QString> FrameCodec::encode(QByteArrayView payload)
{
    if (payload.isEmpty())
        return Unexpected(u"empty frame"_s);
    if (payload.size() > qsizetype{kMaxPayloadSize})
        return Unexpected(
            u"message of %1 bytes exceeds the maximum of %2"_s.arg(payload.size()).arg(kMaxPayloadSize));
    const auto length = gsl::narrow<std::uint32_t>(payload.size());
    QByteArray frame;
    frame.reserve(qsizetype{kHeaderSize} + payload.size());
    frame.append(static_cast<char>((length >> 24U) & 0xFFU));
    frame.append(static_cast<char>((length >> 16U) & 0xFFU));
    frame.append(static_cast<char>((length >> 8U) & 0xFFU));
    frame.append(static_cast<char>(length & 0xFFU));
    frame.append(payload);
    return frame;
}

} // namespace aap::ipc
