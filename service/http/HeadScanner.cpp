#include "http/HeadScanner.h"

#include <cstring>

namespace aap::http {

HeadScanner::Event HeadScanner::scan(QByteArrayView buffer)
{
    const char *data = buffer.data();
    const qsizetype size = buffer.size();
    while (m_scanned < size) {
        const void *found = std::memchr(data + m_scanned, '\n', std::size_t(size - m_scanned));
        if (found == nullptr) {
            m_scanned = size;
            break;
        }
        const qsizetype lf = static_cast<const char *>(found) - data;
        m_scanned = lf + 1;
        if (lf == m_lineStart || data[lf - 1] != '\r')
            return Event::BareLf;
        const bool empty = lf - 1 == m_lineStart;
        const qsizetype lineStart = m_lineStart;
        m_lineStart = lf + 1;
        if (empty) {
            if (m_lineCount == 0) {
                m_start = m_lineStart;
                continue;
            }
            m_headEnd = lf + 1;
            return Event::HeadEnded;
        }
        ++m_lineCount;
        if (m_lineCount == 1) {
            Q_ASSERT(lineStart == m_start);
            m_startLineEnd = lf - 1;
            return Event::StartLineEnded;
        }
    }
    return Event::NeedMore;
}

} // namespace aap::http
