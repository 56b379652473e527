#pragma once

#include "core/Expected.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <optional>

namespace aap::ipc {

// Collects bytes from a stream socket and hands out whole frame payloads (FrameCodec). Holds at
// most one partial frame, so its buffer stays below the frame maximum plus what one read adds.
class FrameReader {
public:
    void append(QByteArrayView bytes) { m_buffer.append(bytes); }
    // The next complete payload, nullopt when more bytes are needed, or an error after which the
    // stream must be closed.
    [[nodiscard]] Expected<std::optional<QByteArray>, QString> next();
    [[nodiscard]] qsizetype buffered() const { return m_buffer.size() - m_offset; }

private:
    QByteArray m_buffer;
    qsizetype m_offset = 0;
};

} // namespace aap::ipc
