#include "http/HeadRewriter.h"

#include "http/HttpSyntax.h"

#include <gsl/assert>

#include <algorithm>
#include <cstring>

namespace aap::http {

namespace {

using syntax::equalsIgnoreCase;

// Whether a field is named by a Connection field of `head` (and so hop-by-hop). Content-Length is
// never dropped this way: framing is decided by the parser, not by a Connection token.
bool namedByConnection(const MessageHead &head, qsizetype firstConnection, QByteArrayView name)
{
    if (firstConnection < 0 || (name.size() == 14 && equalsIgnoreCase(name, "content-length")))
        return false;
    for (qsizetype i = firstConnection; i >= 0; i = head.indexOf("connection", i + 1)) {
        const bool found = !syntax::forEachListElement(
            head.headerValue(i), [&](QByteArrayView token) { return !equalsIgnoreCase(token, name); });
        if (found)
            return true;
    }
    return false;
}

// Writes into space reserved up front: QByteArray::append costs far more per call than the copy
// itself, and a head is written in a few dozen pieces.
class Writer {
public:
    // Reserves `bound` bytes at the end of `out`; the destructor trims to what was written.
    Writer(QByteArray &out, qsizetype bound)
        : m_out(out), m_start(out.size()), m_begin(growBy(out, bound)), m_pos(m_begin), m_end(m_begin + bound)
    {}
    ~Writer() { m_out.resize(m_start + (m_pos - m_begin)); }
    Writer(const Writer &) = delete;
    Writer &operator=(const Writer &) = delete;

    void put(QByteArrayView bytes)
    {
        Expects(bytes.size() <= m_end - m_pos);
        if (!bytes.isEmpty())
            std::memcpy(m_pos, bytes.data(), std::size_t(bytes.size()));
        m_pos += bytes.size();
    }
    void put(char c)
    {
        Expects(m_pos < m_end);
        *m_pos++ = c;
    }
    void field(QByteArrayView name, QByteArrayView value)
    {
        put(name);
        put(QByteArrayView(": "));
        put(value);
        put(QByteArrayView("\r\n"));
    }
    // A kept field line, as one slice of the original head: byte-identical name, separator and value.
    void originalField(const MessageHead &head, qsizetype index)
    {
        const QByteArrayView name = head.headerName(index);
        const QByteArrayView value = head.headerValue(index);
        put(QByteArrayView(name.data(), value.data() + value.size()));
        put(QByteArrayView("\r\n"));
    }
    void number(int value)
    {
        char text[12];
        int length = 0;
        do {
            text[sizeof(text) - 1 - std::size_t(length)] = char('0' + value % 10);
            value /= 10;
            ++length;
        } while (value != 0);
        put(QByteArrayView(text + sizeof(text) - std::size_t(length), length));
    }

private:
    static char *growBy(QByteArray &out, qsizetype bound)
    {
        const qsizetype start = out.size();
        out.resize(start + bound);
        return out.data() + start;
    }

    QByteArray &m_out;
    qsizetype m_start;
    char *m_begin;
    char *m_pos;
    char *m_end;
};

// Room for the fields the rewriter adds on top of the original head's bytes.
constexpr qsizetype kAddedFieldsBound = 160;

} // namespace

HeadRewriter::HeadRewriter(const UpstreamTarget &target, RequestEdits edits) : m_edits(std::move(edits))
{
    // "/" strips nothing; "/prom/" strips like "/prom" (route prefixes match at segment boundaries).
    while (m_edits.stripPrefix.endsWith('/'))
        m_edits.stripPrefix.chop(1);
    for (const auto &[name, value] : std::as_const(m_edits.overrideHeaders))
        m_overrideBytes += name.size() + value.size() + 4;
    const bool ipv6 = target.host.contains(':') && !target.host.startsWith('[');
    if (ipv6) {
        m_host.reserve(target.host.size() + 2);
        m_host.append('[').append(target.host).append(']');
    } else {
        m_host = target.host;
    }
    const quint16 defaultPort = equalsIgnoreCase(target.scheme, "http") ? 80 : 443;
    if (target.port != 0 && target.port != defaultPort)
        m_host.append(':').append(QByteArray::number(target.port));

    // Stored without a trailing '/', with a leading one: joined with a path that starts with '/'.
    m_basePath = target.basePath;
    while (m_basePath.endsWith('/'))
        m_basePath.chop(1);
    if (!m_basePath.isEmpty() && !m_basePath.startsWith('/'))
        m_basePath.prepend('/');
}

bool HeadRewriter::removedByRoute(QByteArrayView name) const
{
    const auto matches = [name](QByteArrayView other) {
        return other.size() == name.size() && equalsIgnoreCase(other, name);
    };
    return std::any_of(m_edits.removedHeaders.cbegin(), m_edits.removedHeaders.cend(), matches) ||
           std::any_of(m_edits.overrideHeaders.cbegin(), m_edits.overrideHeaders.cend(),
                       [&matches](const auto &header) { return matches(header.first); });
}

QByteArrayView HeadRewriter::strippedPath(QByteArrayView pathAndQuery) const
{
    const QByteArrayView prefix = m_edits.stripPrefix;
    if (prefix.isEmpty() || !pathAndQuery.startsWith(prefix))
        return pathAndQuery;
    const QByteArrayView rest = pathAndQuery.sliced(prefix.size());
    // Only at a segment boundary: "/prom" strips "/prom/x" and "/prom?q", never "/prometheus".
    if (!rest.isEmpty() && rest[0] != '/' && rest[0] != '?')
        return pathAndQuery;
    return rest;
}

bool HeadRewriter::isHopByHop(QByteArrayView name)
{
    switch (name.size()) {
    case 2:
        return equalsIgnoreCase(name, "te");
    case 7:
        return equalsIgnoreCase(name, "trailer") || equalsIgnoreCase(name, "upgrade");
    case 10:
        return equalsIgnoreCase(name, "connection") || equalsIgnoreCase(name, "keep-alive");
    case 16:
        return equalsIgnoreCase(name, "proxy-connection");
    case 17:
        return equalsIgnoreCase(name, "transfer-encoding");
    case 19:
        return equalsIgnoreCase(name, "proxy-authorization");
    default:
        return false;
    }
}

void HeadRewriter::appendUpstreamRequest(const RequestHead &request, QByteArrayView authorization,
                                         QByteArrayView clientAddress, QByteArrayView forwardedProto,
                                         QByteArray &out, QByteArrayView traceparent) const
{
    const QByteArrayView originalHost =
        request.targetForm() == TargetForm::Absolute ? request.authority() : request.host();
    Writer writer(out, request.bytes().size() + m_basePath.size() + m_host.size() + authorization.size() +
                           clientAddress.size() + forwardedProto.size() + originalHost.size() +
                           m_overrideBytes + traceparent.size() + kAddedFieldsBound);
    writer.put(request.method());
    writer.put(' ');
    if (request.targetForm() == TargetForm::Asterisk) {
        writer.put('*');
    } else {
        writer.put(m_basePath);
        const QByteArrayView pathAndQuery = strippedPath(request.pathAndQuery());
        // Absolute-form "http://host" or "http://host?q" has an empty path, which means "/".
        if (pathAndQuery.isEmpty() || pathAndQuery[0] != '/')
            writer.put('/');
        writer.put(pathAndQuery);
    }
    writer.put(QByteArrayView(" HTTP/1.1\r\nHost: "));
    writer.put(m_host);
    writer.put(QByteArrayView("\r\n"));

    const qsizetype firstConnection = request.indexOf("connection");
    qsizetype lastForwardedFor = -1;
    bool forwardedForWritten = false;
    if (!clientAddress.isEmpty()) {
        for (qsizetype i = request.indexOf("x-forwarded-for"); i >= 0;
             i = request.indexOf("x-forwarded-for", i + 1))
            lastForwardedFor = i;
    }
    for (qsizetype i = 0; i < request.headerCount(); ++i) {
        const QByteArrayView name = request.headerName(i);
        bool drop = isHopByHop(name);
        switch (name.size()) {
        case 4:
            drop = drop || equalsIgnoreCase(name, "host");
            break;
        case 11:
            drop = drop || (!traceparent.isEmpty() && equalsIgnoreCase(name, "traceparent"));
            break;
        case 13:
            drop = drop || equalsIgnoreCase(name, "authorization");
            break;
        case 16:
            drop = drop || equalsIgnoreCase(name, "x-forwarded-host");
            break;
        case 17:
            drop = drop || equalsIgnoreCase(name, "x-forwarded-proto");
            break;
        default:
            break;
        }
        if (drop || namedByConnection(request, firstConnection, name) || removedByRoute(name))
            continue;
        if (i == lastForwardedFor) {
            forwardedForWritten = true;
            writer.put(name);
            writer.put(QByteArrayView(": "));
            writer.put(request.headerValue(i));
            if (!request.headerValue(i).isEmpty())
                writer.put(QByteArrayView(", "));
            writer.put(clientAddress);
            writer.put(QByteArrayView("\r\n"));
            continue;
        }
        writer.originalField(request, i);
    }
    if (!forwardedForWritten && !clientAddress.isEmpty())
        writer.field("X-Forwarded-For", clientAddress);
    if (!forwardedProto.isEmpty())
        writer.field("X-Forwarded-Proto", forwardedProto);
    if (!originalHost.isEmpty())
        writer.field("X-Forwarded-Host", originalHost);
    for (const auto &[name, value] : m_edits.overrideHeaders)
        writer.field(name, value);
    if (!authorization.isEmpty())
        writer.field("Authorization", authorization);
    if (!traceparent.isEmpty())
        writer.field("traceparent", traceparent);
    if (request.framing() == BodyFraming::Chunked)
        writer.put(QByteArrayView("Transfer-Encoding: chunked\r\n"));
    writer.put(QByteArrayView("\r\n"));
}

ResponsePlan HeadRewriter::planResponse(const ResponseHead &response, const RequestHead &request,
                                        bool proxyWillClose)
{
    ResponsePlan plan;
    if (response.isInterim()) {
        // RFC 9110 section 15.2: no 1xx for an HTTP/1.0 client.
        plan.forwardHead = request.minorVersion() >= 1;
        return plan;
    }
    switch (response.framing()) {
    case BodyFraming::None:
        plan.body = DownstreamBody::None;
        break;
    case BodyFraming::ContentLength:
        plan.body = response.contentLength() == 0 ? DownstreamBody::None : DownstreamBody::Raw;
        break;
    case BodyFraming::Chunked:
        plan.body = request.minorVersion() >= 1 ? DownstreamBody::Raw : DownstreamBody::Dechunk;
        break;
    case BodyFraming::UntilClose:
        plan.body = DownstreamBody::Raw;
        break;
    }
    plan.closeDownstream = proxyWillClose || !request.keepAlive() || plan.body == DownstreamBody::Dechunk ||
                           response.framing() == BodyFraming::UntilClose;
    return plan;
}

void HeadRewriter::appendDownstreamResponse(const ResponseHead &response, const RequestHead &request,
                                            const ResponsePlan &plan, QByteArray &out)
{
    Writer writer(out, response.bytes().size() + kAddedFieldsBound);
    writer.put(QByteArrayView("HTTP/1.1 "));
    writer.number(response.status());
    writer.put(' ');
    writer.put(response.reason());
    writer.put(QByteArrayView("\r\n"));
    const qsizetype firstConnection = response.indexOf("connection");
    for (qsizetype i = 0; i < response.headerCount(); ++i) {
        const QByteArrayView name = response.headerName(i);
        if (isHopByHop(name) || namedByConnection(response, firstConnection, name))
            continue;
        writer.originalField(response, i);
    }
    if (!response.isInterim()) {
        if (response.framing() == BodyFraming::Chunked && plan.body == DownstreamBody::Raw)
            writer.put(QByteArrayView("Transfer-Encoding: chunked\r\n"));
        if (plan.closeDownstream)
            writer.put(QByteArrayView("Connection: close\r\n"));
        else if (request.minorVersion() == 0)
            writer.put(QByteArrayView("Connection: keep-alive\r\n"));
    }
    writer.put(QByteArrayView("\r\n"));
}

} // namespace aap::http
