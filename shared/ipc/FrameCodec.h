#pragma once

#include "core/Expected.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <cstdint>

namespace aap::ipc {

// Control protocol framing: a 4-byte big-endian payload length, then that many bytes of compact
// UTF-8 JSON. Pure functions, so the fuzzer and the unit tests drive them directly.
class FrameCodec {
public:
    static constexpr std::uint32_t kHeaderSize = 4;
    // Large enough for a status with its event history or a configuration file, small enough that
    // a hostile length prefix cannot make the service allocate much.
    static constexpr std::uint32_t kMaxPayloadSize = 1024U * 1024U;

    struct Decoded {
        enum class Kind {
            Incomplete, // more bytes are needed; nothing consumed
            Frame,      // `payload` is complete; `consumed` bytes (header + payload) can be dropped
            Error,      // the stream is unusable (length over the maximum, empty frame)
        };
        Kind kind = Kind::Incomplete;
        qsizetype consumed = 0;
        QByteArrayView payload; // a view into the input; valid while the input is
        QString error;
    };

    // Looks at the start of `input` for one frame.
    [[nodiscard]] static Decoded decode(QByteArrayView input);
    // Header + payload; fails when the payload is empty or larger than kMaxPayloadSize.
    [[nodiscard]] static Expected<QByteArray, QString> encode(QByteArrayView payload);
};

} // namespace aap::ipc
