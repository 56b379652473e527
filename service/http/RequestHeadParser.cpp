#include "http/RequestHeadParser.h"

#include "http/HttpSyntax.h"

#include <algorithm>

namespace aap::http {

namespace {

// Longer methods are not in use; the bound lets an over-long request line fail early.
constexpr qsizetype kMaxMethodBytes = 32;
// Method, two spaces and "HTTP/1.1": a request line longer than the target limit plus this cannot
// be valid, so it fails before its end arrives.
constexpr qsizetype kRequestLineOverhead = kMaxMethodBytes + 16;

ByteRange rangeOf(QByteArrayView whole, QByteArrayView part)
{
    return ByteRange{quint32(part.data() - whole.data()), quint32(part.size())};
}

bool isHostChar(char c)
{
    // uri-host [ ":" port ]: reg-name, IP literal in brackets, IPv4; no userinfo, path or spaces.
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case '%':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '[':
    case ']':
        return true;
    default:
        return false;
    }
}

bool isValidHost(QByteArrayView host)
{
    return std::all_of(host.begin(), host.end(), isHostChar);
}

ParseResult error(HttpError kind, QByteArray detail)
{
    return ParseResult{ParseStatus::Error, 0, kind, std::move(detail)};
}

} // namespace

RequestHeadParser::RequestHeadParser(Limits limits) : m_limits(limits) {}

void RequestHeadParser::reset()
{
    m_scanner.reset();
}

ParseResult RequestHeadParser::fail(HttpError kind, QByteArray detail)
{
    reset();
    return error(kind, std::move(detail));
}

ParseResult RequestHeadParser::parse(QByteArrayView buffer, RequestHead &out)
{
    for (;;) {
        switch (m_scanner.scan(buffer)) {
        case HeadScanner::Event::BareLf:
            return fail(HttpError::BadRequest, QByteArrayLiteral("bare LF line ending"));
        case HeadScanner::Event::StartLineEnded: {
            const qsizetype start = m_scanner.start();
            ParseResult result = parseRequestLine(buffer.sliced(start, m_scanner.startLineEnd() - start));
            if (result.status == ParseStatus::Error) {
                reset();
                return result;
            }
            continue;
        }
        case HeadScanner::Event::HeadEnded: {
            const qsizetype start = m_scanner.start();
            const qsizetype end = m_scanner.headEnd();
            if (end > m_limits.maxHeadBytes)
                return fail(HttpError::HeaderFieldsTooLarge,
                            QByteArrayLiteral("request head over the limit"));
            ParseResult result = finish(buffer.sliced(start, end - start), out);
            result.consumed = result.status == ParseStatus::Complete ? end : 0;
            reset();
            return result;
        }
        case HeadScanner::Event::NeedMore:
            break;
        }
        break;
    }
    if (!m_scanner.startLineSeen() && buffer.size() > m_scanner.start() &&
        buffer[m_scanner.start()] != '\r' && !syntax::isTchar(buffer[m_scanner.start()])) {
        // Not the start of a method (e.g. a TLS handshake): no need to wait for a line end.
        return fail(HttpError::BadRequest, QByteArrayLiteral("request line: no method"));
    }
    if (!m_scanner.startLineSeen() &&
        buffer.size() - m_scanner.start() > m_limits.maxTargetBytes + kRequestLineOverhead) {
        // A method and a space at the start: the target is what is too long.
        const QByteArrayView line = buffer.sliced(m_scanner.start());
        const qsizetype space = line.first(kRequestLineOverhead).indexOf(' ');
        if (space > 0)
            return fail(HttpError::UriTooLong, QByteArrayLiteral("request-target over the limit"));
        return fail(HttpError::BadRequest, QByteArrayLiteral("malformed request line"));
    }
    if (buffer.size() > m_limits.maxHeadBytes)
        return fail(HttpError::HeaderFieldsTooLarge, QByteArrayLiteral("request head over the limit"));
    if (m_scanner.fieldLines() > m_limits.maxHeaderCount)
        return fail(HttpError::HeaderFieldsTooLarge, QByteArrayLiteral("too many header fields"));
    return ParseResult{};
}

ParseResult RequestHeadParser::parseRequestLine(QByteArrayView line)
{
    // Ranges are stored relative to the line start, which is the head start.
    const qsizetype space1 = line.indexOf(' ');
    if (space1 <= 0)
        return error(HttpError::BadRequest, QByteArrayLiteral("request line: no method"));
    if (space1 > kMaxMethodBytes)
        return error(HttpError::BadRequest, QByteArrayLiteral("request line: method too long"));
    const QByteArrayView method = line.first(space1);
    for (const char c : method) {
        if (!syntax::isTchar(c))
            return error(HttpError::BadRequest, QByteArrayLiteral("request line: method is not a token"));
    }
    const qsizetype space2 = line.indexOf(' ', space1 + 1);
    if (space2 < 0)
        return error(HttpError::BadRequest, QByteArrayLiteral("request line: no HTTP version"));
    const QByteArrayView target = line.sliced(space1 + 1, space2 - space1 - 1);
    if (target.isEmpty())
        return error(HttpError::BadRequest, QByteArrayLiteral("request line: empty target or double space"));
    if (target.size() > m_limits.maxTargetBytes)
        return error(HttpError::UriTooLong, QByteArrayLiteral("request-target over the limit"));
    if (syntax::findNonVisible(target.data(), 0, target.size()) != target.size())
        return error(HttpError::BadRequest, QByteArrayLiteral("request-target: invalid byte"));
    const QByteArrayView version = line.sliced(space2 + 1);
    const auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
    if (version.size() != 8 || !version.startsWith("HTTP/") || !isDigit(version[5]) || version[6] != '.' ||
        !isDigit(version[7]))
        return error(HttpError::BadRequest, QByteArrayLiteral("request line: malformed HTTP version"));
    if (version[5] != '1')
        return error(HttpError::VersionNotSupported,
                     QByteArrayLiteral("request line: HTTP major version not 1"));
    if (method == QByteArrayView("CONNECT"))
        return error(HttpError::MethodNotAllowed,
                     QByteArrayLiteral("CONNECT is not allowed (this proxy never tunnels)"));
    // An upstream that echoes TRACE would hand the forwarded bearer token back to the client.
    if (method == QByteArrayView("TRACE"))
        return error(HttpError::MethodNotAllowed,
                     QByteArrayLiteral("TRACE is not allowed (it would echo the access token)"));

    m_minorVersion = version[7] - '0';
    m_method = rangeOf(line, method);
    m_target = rangeOf(line, target);
    m_authority = ByteRange{};
    if (target[0] == '/') {
        m_targetForm = TargetForm::Origin;
        m_pathAndQuery = m_target;
    } else if (target == QByteArrayView("*")) {
        if (method != QByteArrayView("OPTIONS"))
            return error(HttpError::BadRequest, QByteArrayLiteral("request-target '*' is for OPTIONS only"));
        m_targetForm = TargetForm::Asterisk;
        m_pathAndQuery = m_target;
    } else {
        qsizetype schemeLength = 0;
        if (syntax::startsWithIgnoreCase(target, "http://"))
            schemeLength = 7;
        else if (syntax::startsWithIgnoreCase(target, "https://"))
            schemeLength = 8;
        else
            return error(HttpError::BadRequest,
                         QByteArrayLiteral("request-target: not origin or absolute form"));
        const QByteArrayView rest = target.sliced(schemeLength);
        qsizetype authorityEnd = 0;
        while (authorityEnd < rest.size() && rest[authorityEnd] != '/' && rest[authorityEnd] != '?' &&
               rest[authorityEnd] != '#')
            ++authorityEnd;
        const QByteArrayView authority = rest.first(authorityEnd);
        if (authority.isEmpty() || !isValidHost(authority))
            return error(HttpError::BadRequest, QByteArrayLiteral("request-target: invalid authority"));
        m_targetForm = TargetForm::Absolute;
        m_authority = rangeOf(line, authority);
        m_pathAndQuery = rangeOf(line, rest.sliced(authorityEnd));
    }
    return ParseResult{};
}

ParseResult RequestHeadParser::finish(QByteArrayView head, RequestHead &out) const
{
    out.resetHead(head);
    out.m_method = m_method;
    out.m_target = m_target;
    out.m_authority = m_authority;
    out.m_pathAndQuery = m_pathAndQuery;
    out.m_targetForm = m_targetForm;
    out.m_minorVersion = m_minorVersion;
    out.m_host = ByteRange{};
    out.m_traceparent = ByteRange{};
    out.m_hasHost = false;
    out.m_expectContinue = false;

    const qsizetype fieldsStart = m_scanner.startLineEnd() - m_scanner.start() + 2;
    if (const char *broken = out.parseFields(fieldsStart))
        return error(HttpError::BadRequest, QByteArray(broken));
    if (out.headerCount() > m_limits.maxHeaderCount)
        return error(HttpError::HeaderFieldsTooLarge, QByteArrayLiteral("too many header fields"));

    int hostCount = 0;
    int contentLengthCount = 0;
    bool transferEncoding = false;
    bool teElements = false;
    int chunkedCount = 0;
    bool chunkedLast = false;
    bool otherCoding = false;
    bool connectionClose = false;
    bool connectionKeepAlive = false;
    bool expectOther = false;
    QByteArrayView contentLength;
    bool traceparentSeen = false;

    for (qsizetype i = 0; i < out.headerCount(); ++i) {
        const QByteArrayView name = out.headerName(i);
        const QByteArrayView value = out.headerValue(i);
        switch (name.size()) {
        case 4:
            if (syntax::equalsIgnoreCase(name, "host")) {
                ++hostCount;
                out.m_host = out.m_fields[std::size_t(i)].value;
            }
            break;
        case 6:
            if (syntax::equalsIgnoreCase(name, "expect")) {
                if (syntax::equalsIgnoreCase(value, "100-continue"))
                    out.m_expectContinue = true;
                else
                    expectOther = true;
            }
            break;
        case 10:
            if (syntax::equalsIgnoreCase(name, "connection")) {
                syntax::forEachListElement(value, [&](QByteArrayView token) {
                    if (syntax::equalsIgnoreCase(token, "close"))
                        connectionClose = true;
                    else if (syntax::equalsIgnoreCase(token, "keep-alive"))
                        connectionKeepAlive = true;
                    return true;
                });
            }
            break;
        case 11:
            // Looked up for every proxied request when tracing is on; found here for free.
            if (!traceparentSeen && syntax::equalsIgnoreCase(name, "traceparent")) {
                traceparentSeen = true;
                out.m_traceparent = out.m_fields[std::size_t(i)].value;
            }
            break;
        case 14:
            if (syntax::equalsIgnoreCase(name, "content-length")) {
                ++contentLengthCount;
                contentLength = value;
            }
            break;
        case 17:
            if (syntax::equalsIgnoreCase(name, "transfer-encoding")) {
                transferEncoding = true;
                syntax::forEachListElement(value, [&](QByteArrayView coding) {
                    teElements = true;
                    chunkedLast = syntax::equalsIgnoreCase(coding, "chunked");
                    if (chunkedLast)
                        ++chunkedCount;
                    else
                        otherCoding = true;
                    return true;
                });
            }
            break;
        default:
            break;
        }
    }

    if (hostCount > 1)
        return error(HttpError::BadRequest, QByteArrayLiteral("more than one Host field"));
    if (hostCount == 0 && m_minorVersion >= 1)
        return error(HttpError::BadRequest, QByteArrayLiteral("HTTP/1.1 request without Host"));
    out.m_hasHost = hostCount == 1;
    if (!isValidHost(out.host()))
        return error(HttpError::BadRequest, QByteArrayLiteral("invalid Host field"));

    if (transferEncoding) {
        if (contentLengthCount > 0)
            return error(HttpError::BadRequest,
                         QByteArrayLiteral("both Content-Length and Transfer-Encoding"));
        if (m_minorVersion == 0)
            return error(HttpError::BadRequest,
                         QByteArrayLiteral("Transfer-Encoding in an HTTP/1.0 request"));
        if (!teElements || !chunkedLast || chunkedCount > 1)
            return error(HttpError::BadRequest,
                         QByteArrayLiteral("Transfer-Encoding: chunked is not the final coding"));
        if (otherCoding)
            return error(HttpError::NotImplemented, QByteArrayLiteral("unsupported transfer coding"));
        out.m_framing = BodyFraming::Chunked;
    } else if (contentLengthCount > 1) {
        return error(HttpError::BadRequest, QByteArrayLiteral("repeated Content-Length"));
    } else if (contentLengthCount == 1) {
        quint64 length = 0;
        if (!syntax::parseDecimal(contentLength, length))
            return error(HttpError::BadRequest, QByteArrayLiteral("invalid Content-Length"));
        if (m_limits.maxBodyBytes != 0 && length > m_limits.maxBodyBytes)
            return error(HttpError::BodyTooLarge, QByteArrayLiteral("Content-Length over the body limit"));
        out.m_framing = BodyFraming::ContentLength;
        out.m_contentLength = length;
    }

    if (m_minorVersion >= 1) {
        // RFC 9110 section 10.1.1: an HTTP/1.0 client's Expect is ignored.
        if (expectOther)
            return error(HttpError::ExpectationFailed, QByteArrayLiteral("unsupported expectation"));
        out.m_keepAlive = !connectionClose;
    } else {
        out.m_expectContinue = false;
        out.m_keepAlive = connectionKeepAlive && !connectionClose;
    }
    return ParseResult{ParseStatus::Complete, head.size(), HttpError::None, {}};
}

} // namespace aap::http
