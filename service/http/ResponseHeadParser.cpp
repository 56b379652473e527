#include "http/ResponseHeadParser.h"

#include "http/HttpSyntax.h"

namespace aap::http {

namespace {

ParseResult badResponse(const char *detail)
{
    return ParseResult{ParseStatus::Error, 0, HttpError::BadResponse, QByteArray(detail)};
}

} // namespace

ResponseHeadParser::ResponseHeadParser(Limits limits) : m_limits(limits) {}

void ResponseHeadParser::reset()
{
    m_scanner.reset();
}

ParseResult ResponseHeadParser::fail(const char *detail)
{
    reset();
    return badResponse(detail);
}

ParseResult ResponseHeadParser::parse(QByteArrayView buffer, QByteArrayView requestMethod, ResponseHead &out)
{
    for (;;) {
        switch (m_scanner.scan(buffer)) {
        case HeadScanner::Event::BareLf:
            return fail("bare LF line ending");
        case HeadScanner::Event::StartLineEnded:
            continue;
        case HeadScanner::Event::HeadEnded: {
            const qsizetype start = m_scanner.start();
            const qsizetype end = m_scanner.headEnd();
            if (end > m_limits.maxHeadBytes)
                return fail("response head over the limit");
            ParseResult result = finish(buffer.sliced(start, end - start), requestMethod, out);
            result.consumed = result.status == ParseStatus::Complete ? end : 0;
            reset();
            return result;
        }
        case HeadScanner::Event::NeedMore:
            break;
        }
        break;
    }
    if (buffer.size() > m_limits.maxHeadBytes)
        return fail("response head over the limit");
    if (m_scanner.fieldLines() > m_limits.maxHeaderCount)
        return fail("too many header fields");
    return ParseResult{};
}

ParseResult ResponseHeadParser::finish(QByteArrayView head, QByteArrayView requestMethod,
                                       ResponseHead &out) const
{
    out.resetHead(head);
    out.m_status = 0;
    out.m_reason = ByteRange{};

    // status-line = HTTP-version SP 3DIGIT SP [ reason-phrase ]; a missing final SP is tolerated.
    const QByteArrayView line = head.first(m_scanner.startLineEnd() - m_scanner.start());
    const auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
    if (line.size() < 12 || !line.startsWith("HTTP/") || !isDigit(line[5]) || line[6] != '.' ||
        !isDigit(line[7]) || line[8] != ' ' || !isDigit(line[9]) || !isDigit(line[10]) ||
        !isDigit(line[11]) || (line.size() > 12 && line[12] != ' '))
        return badResponse("malformed status line");
    if (line[5] != '1')
        return badResponse("HTTP major version not 1");
    const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (status < 100 || status > 599)
        return badResponse("status code out of range");
    if (status == 101)
        return badResponse("101 Switching Protocols without an upgrade request");
    if (line.size() > 12) {
        for (const char c : line.sliced(13)) {
            if (!syntax::isFieldValueChar(c))
                return badResponse("control character in reason phrase");
        }
        out.m_reason = ByteRange{13, quint32(line.size() - 13)};
    }
    out.m_status = status;
    out.m_minorVersion = line[7] - '0';

    if (const char *broken = out.parseFields(line.size() + 2))
        return badResponse(broken);
    if (out.headerCount() > m_limits.maxHeaderCount)
        return badResponse("too many header fields");

    int contentLengthCount = 0;
    bool contentLengthConflict = false;
    QByteArrayView contentLength;
    bool transferEncoding = false;
    int codings = 0;
    bool onlyChunked = true;
    bool connectionClose = false;
    bool connectionKeepAlive = false;
    for (qsizetype i = 0; i < out.headerCount(); ++i) {
        const QByteArrayView name = out.headerName(i);
        const QByteArrayView value = out.headerValue(i);
        if (name.size() == 14 && syntax::equalsIgnoreCase(name, "content-length")) {
            if (contentLengthCount > 0 && value != contentLength)
                contentLengthConflict = true;
            ++contentLengthCount;
            contentLength = value;
        } else if (name.size() == 17 && syntax::equalsIgnoreCase(name, "transfer-encoding")) {
            transferEncoding = true;
            syntax::forEachListElement(value, [&](QByteArrayView coding) {
                ++codings;
                onlyChunked = onlyChunked && syntax::equalsIgnoreCase(coding, "chunked");
                return true;
            });
        } else if (name.size() == 10 && syntax::equalsIgnoreCase(name, "connection")) {
            syntax::forEachListElement(value, [&](QByteArrayView token) {
                if (syntax::equalsIgnoreCase(token, "close"))
                    connectionClose = true;
                else if (syntax::equalsIgnoreCase(token, "keep-alive"))
                    connectionKeepAlive = true;
                return true;
            });
        }
    }

    // Framing errors are errors even where the body is absent: such an upstream is not trusted
    // with the connection.
    if (transferEncoding && contentLengthCount > 0)
        return badResponse("both Content-Length and Transfer-Encoding");
    if (transferEncoding && (codings != 1 || !onlyChunked))
        return badResponse("Transfer-Encoding other than chunked");
    if (transferEncoding && out.m_minorVersion == 0)
        return badResponse("Transfer-Encoding in an HTTP/1.0 response");
    if (contentLengthConflict)
        return badResponse("differing Content-Length values");
    if (contentLengthCount > 0 && !syntax::parseDecimal(contentLength, out.m_contentLength))
        return badResponse("invalid Content-Length");

    out.m_keepAlive = out.m_minorVersion >= 1 ? !connectionClose : connectionKeepAlive && !connectionClose;
    const bool noBody =
        status < 200 || status == 204 || status == 304 || requestMethod == QByteArrayView("HEAD");
    if (noBody)
        out.m_framing = BodyFraming::None;
    else if (transferEncoding)
        out.m_framing = BodyFraming::Chunked;
    else if (contentLengthCount > 0)
        out.m_framing = BodyFraming::ContentLength;
    else {
        out.m_framing = BodyFraming::UntilClose;
        out.m_keepAlive = false;
    }
    return ParseResult{ParseStatus::Complete, head.size(), HttpError::None, {}};
}

} // namespace aap::http
