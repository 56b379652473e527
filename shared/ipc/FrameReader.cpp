#include "ipc/FrameReader.h"

#include "ipc/FrameCodec.h"

namespace aap::ipc {

Expected<std::optional<QByteArray>, QString> FrameReader::next()
{
    const FrameCodec::Decoded decoded = FrameCodec::decode(QByteArrayView(m_buffer).sliced(m_offset));
    switch (decoded.kind) {
    case FrameCodec::Decoded::Kind::Incomplete:
        // Compact once the consumed prefix is all that is left or dominates, instead of per frame.
        if (m_offset > 0 && m_offset >= m_buffer.size() / 2) {
            m_buffer.remove(0, m_offset);
            m_offset = 0;
        }
        return std::optional<QByteArray>{};
    case FrameCodec::Decoded::Kind::Error:
        return Unexpected(decoded.error);
    case FrameCodec::Decoded::Kind::Frame:
        break;
    }
    QByteArray payload = decoded.payload.toByteArray();
    m_offset += decoded.consumed;
    if (m_offset == m_buffer.size()) {
        m_buffer.clear();
        m_offset = 0;
    }
    return std::optional<QByteArray>{std::move(payload)};
}

} // namespace aap::ipc
