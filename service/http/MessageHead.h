#pragma once

#include "http/HttpTypes.h"

#include <QByteArray>
#include <QByteArrayView>

#include <vector>

namespace aap::http {

// What request and response heads share: a private copy of the head bytes (so views stay valid
// whatever the caller does with its read buffer) and the header fields as ranges into it. Reusing
// one head object per connection reuses its capacity: no allocation per request once warm.
class MessageHead {
public:
    // The head exactly as received: start line, header fields, final empty line.
    QByteArrayView bytes() const { return m_bytes; }

    // HTTP/1.x minor version as sent (a 1.2+ peer is treated like 1.1).
    int minorVersion() const { return m_minorVersion; }
    BodyFraming framing() const { return m_framing; }
    quint64 contentLength() const { return m_contentLength; }
    // Whether the connection may carry another message after this one (Connection header and
    // version rules; always false for close-delimited bodies).
    bool keepAlive() const { return m_keepAlive; }

    qsizetype headerCount() const { return qsizetype(m_fields.size()); }
    QByteArrayView headerName(qsizetype index) const;
    QByteArrayView headerValue(qsizetype index) const;
    // Index of the first field named `name` (case-insensitive) at or after `from`, or -1.
    qsizetype indexOf(QByteArrayView name, qsizetype from = 0) const;
    // Value of the first field named `name`; empty view when absent.
    QByteArrayView value(QByteArrayView name) const;
    bool contains(QByteArrayView name) const { return indexOf(name) >= 0; }
    // Whether a comma-separated field (e.g. Connection) lists `token`, case-insensitive, over all
    // fields of that name.
    bool hasToken(QByteArrayView name, QByteArrayView token) const;

    QByteArrayView view(ByteRange range) const
    {
        return QByteArrayView(m_bytes).sliced(range.offset, range.length);
    }

protected:
    // Copies the head bytes and clears the parsed state.
    void resetHead(QByteArrayView headBytes);
    // Splits the field lines of the copied head, from offset `from` up to the final empty line, into
    // m_fields. Returns nullptr, or the rule a line broke (obs-fold, no colon, bad name, CTL in value).
    const char *parseFields(qsizetype from);

    QByteArray m_bytes;
    std::vector<HeaderField> m_fields;
    int m_minorVersion = 1;
    BodyFraming m_framing = BodyFraming::None;
    quint64 m_contentLength = 0;
    bool m_keepAlive = false;
};

} // namespace aap::http
