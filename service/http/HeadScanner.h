#pragma once

#include <QByteArrayView>
#include <QtGlobal>

namespace aap::http {

// Finds the lines of a message head in a growing buffer, resuming where the previous call stopped,
// so a head arriving in many pieces is scanned once. Enforces CRLF line ends (a bare LF is an
// error, which closes the door on LF/CRLF disagreements between us and the upstream). Leading empty
// lines before the start line are skipped (RFC 9112 section 2.2).
class HeadScanner {
public:
    enum class Event {
        NeedMore,       // scanned everything, the head has not ended
        StartLineEnded, // the start line is complete: [start(), startLineEnd()) without CRLF
        HeadEnded,      // the empty line was found: the head is [start(), headEnd())
        BareLf,
    };

    Event scan(QByteArrayView buffer);
    void reset() { *this = HeadScanner(); }

    qsizetype start() const { return m_start; }
    qsizetype startLineEnd() const { return m_startLineEnd; }
    qsizetype headEnd() const { return m_headEnd; }
    // Header field lines seen so far (start line excluded).
    qsizetype fieldLines() const { return m_lineCount > 0 ? m_lineCount - 1 : 0; }
    bool startLineSeen() const { return m_lineCount > 0; }

private:
    qsizetype m_start = 0;
    qsizetype m_scanned = 0;
    qsizetype m_lineStart = 0;
    qsizetype m_lineCount = 0;
    qsizetype m_startLineEnd = -1;
    qsizetype m_headEnd = -1;
};

} // namespace aap::http
