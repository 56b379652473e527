#include "http/HeadRewriter.h"

#include "http/HttpSyntax.h"

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

void appendField(QByteArray &out, QByteArrayView name, QByteArrayView value)
{
    out.append(name);
    out.append(": ", 2);
    out.append(value);
    out.append("\r\n", 2);
}

void appendNumber(QByteArray &out, int value)
{
    char text[12];
    int length = 0;
    do {
        text[sizeof(text) - 1 - std::size_t(length)] = char('0' + value % 10);
        value /= 10;
        ++length;
    } while (value != 0);
    out.append(QByteArrayView(text + sizeof(text) - std::size_t(length), length));
}

} // namespace

HeadRewriter::HeadRewriter(UpstreamTarget target)
{
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
                                         QByteArray &out) const
{
    out.append(request.method());
    out.append(' ');
    if (request.targetForm() == TargetForm::Asterisk) {
        out.append('*');
    } else {
        out.append(m_basePath);
        const QByteArrayView pathAndQuery = request.pathAndQuery();
        // Absolute-form "http://host" or "http://host?q" has an empty path, which means "/".
        if (pathAndQuery.isEmpty() || pathAndQuery[0] != '/')
            out.append('/');
        out.append(pathAndQuery);
    }
    out.append(" HTTP/1.1\r\nHost: ", 17);
    out.append(m_host);
    out.append("\r\n", 2);

    const qsizetype firstConnection = request.indexOf("connection");
    qsizetype lastForwardedFor = -1;
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
        if (drop || namedByConnection(request, firstConnection, name))
            continue;
        if (i == lastForwardedFor) {
            out.append(name);
            out.append(": ", 2);
            out.append(request.headerValue(i));
            if (!request.headerValue(i).isEmpty())
                out.append(", ", 2);
            out.append(clientAddress);
            out.append("\r\n", 2);
            continue;
        }
        // Kept fields are copied as one slice of the original line: byte-identical.
        const QByteArrayView value = request.headerValue(i);
        const QByteArrayView bytes = request.bytes();
        const qsizetype begin = name.data() - bytes.data();
        const qsizetype end = value.data() - bytes.data() + value.size();
        out.append(bytes.sliced(begin, end - begin));
        out.append("\r\n", 2);
    }
    if (lastForwardedFor < 0 && !clientAddress.isEmpty())
        appendField(out, "X-Forwarded-For", clientAddress);
    if (!forwardedProto.isEmpty())
        appendField(out, "X-Forwarded-Proto", forwardedProto);
    const QByteArrayView originalHost =
        request.targetForm() == TargetForm::Absolute ? request.authority() : request.host();
    if (!originalHost.isEmpty())
        appendField(out, "X-Forwarded-Host", originalHost);
    if (!authorization.isEmpty())
        appendField(out, "Authorization", authorization);
    if (request.framing() == BodyFraming::Chunked)
        out.append("Transfer-Encoding: chunked\r\n", 28);
    out.append("\r\n", 2);
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
    out.append("HTTP/1.1 ", 9);
    appendNumber(out, response.status());
    out.append(' ');
    out.append(response.reason());
    out.append("\r\n", 2);
    const qsizetype firstConnection = response.indexOf("connection");
    const QByteArrayView bytes = response.bytes();
    for (qsizetype i = 0; i < response.headerCount(); ++i) {
        const QByteArrayView name = response.headerName(i);
        if (isHopByHop(name) || namedByConnection(response, firstConnection, name))
            continue;
        const QByteArrayView value = response.headerValue(i);
        const qsizetype begin = name.data() - bytes.data();
        const qsizetype end = value.data() - bytes.data() + value.size();
        out.append(bytes.sliced(begin, end - begin));
        out.append("\r\n", 2);
    }
    if (!response.isInterim()) {
        if (response.framing() == BodyFraming::Chunked && plan.body == DownstreamBody::Raw)
            out.append("Transfer-Encoding: chunked\r\n", 28);
        if (plan.closeDownstream)
            out.append("Connection: close\r\n", 19);
        else if (request.minorVersion() == 0)
            out.append("Connection: keep-alive\r\n", 24);
    }
    out.append("\r\n", 2);
}

} // namespace aap::http
