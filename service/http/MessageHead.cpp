#include "http/MessageHead.h"

#include "http/HttpSyntax.h"

#include <cstring>

namespace aap::http {

QByteArrayView MessageHead::headerName(qsizetype index) const
{
    return view(m_fields[std::size_t(index)].name);
}

QByteArrayView MessageHead::headerValue(qsizetype index) const
{
    return view(m_fields[std::size_t(index)].value);
}

qsizetype MessageHead::indexOf(QByteArrayView name, qsizetype from) const
{
    for (auto i = std::size_t(from); i < m_fields.size(); ++i) {
        if (m_fields[i].name.length == name.size() && syntax::equalsIgnoreCase(view(m_fields[i].name), name))
            return qsizetype(i);
    }
    return -1;
}

QByteArrayView MessageHead::value(QByteArrayView name) const
{
    const qsizetype index = indexOf(name);
    return index < 0 ? QByteArrayView() : headerValue(index);
}

bool MessageHead::hasToken(QByteArrayView name, QByteArrayView token) const
{
    for (qsizetype i = indexOf(name); i >= 0; i = indexOf(name, i + 1)) {
        const bool found = !syntax::forEachListElement(headerValue(i), [&](QByteArrayView element) {
            return !syntax::equalsIgnoreCase(element, token);
        });
        if (found)
            return true;
    }
    return false;
}

void MessageHead::resetHead(QByteArrayView headBytes)
{
    // resize() keeps the capacity of an unshared array: a reused head does not allocate.
    m_bytes.resize(headBytes.size());
    if (!headBytes.isEmpty())
        std::memcpy(m_bytes.data(), headBytes.data(), std::size_t(headBytes.size()));
    m_fields.clear();
    m_minorVersion = 1;
    m_framing = BodyFraming::None;
    m_contentLength = 0;
    m_keepAlive = false;
}

const char *MessageHead::parseFields(qsizetype from)
{
    const char *data = m_bytes.constData();
    const qsizetype size = m_bytes.size();
    const qsizetype end = size - 2; // the final CRLF
    qsizetype pos = from;
    while (pos < end) {
        if (syntax::isOws(data[pos]))
            return "obs-fold or whitespace at the start of a field line";
        qsizetype colon = pos;
        while (syntax::isTchar(data[colon]))
            ++colon;
        if (data[colon] != ':') {
            if (data[colon] == '\r')
                return "field line without colon";
            return "invalid character or whitespace in field name";
        }
        if (colon == pos)
            return "empty field name";
        // The first byte a value may not contain must be the CR of the line's CRLF (the head
        // ends in CRLF CRLF, so one is always found).
        const qsizetype lineEnd = syntax::findFieldValueEnd(data, colon + 1, size);
        if (data[lineEnd] != '\r' || data[lineEnd + 1] != '\n')
            return "control character in field value";
        qsizetype valueBegin = colon + 1;
        qsizetype valueEnd = lineEnd;
        while (valueBegin < valueEnd && syntax::isOws(data[valueBegin]))
            ++valueBegin;
        while (valueEnd > valueBegin && syntax::isOws(data[valueEnd - 1]))
            --valueEnd;
        m_fields.push_back(HeaderField{{quint32(pos), quint32(colon - pos)},
                                       {quint32(valueBegin), quint32(valueEnd - valueBegin)}});
        pos = lineEnd + 2;
    }
    return nullptr;
}

} // namespace aap::http
