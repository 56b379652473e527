#pragma once

#include "http/HeadScanner.h"
#include "http/HttpTypes.h"
#include "http/ResponseHead.h"

#include <QByteArrayView>

namespace aap::http {

// Incremental HTTP/1.1 response head parser, same calling convention as RequestHeadParser. Every
// error is HttpError::BadResponse (the proxy answers 502 and drops the upstream connection); the
// detail says which rule failed. Repeated identical Content-Length fields are accepted (RFC 9112
// section 6.3), differing ones are not; Transfer-Encoding must be exactly "chunked". `requestMethod` decides
// the framing: a response to HEAD, and any 1xx, 204 or 304 response, has no body whatever its headers say.
class ResponseHeadParser {
public:
    explicit ResponseHeadParser(Limits limits = {});

    ParseResult parse(QByteArrayView buffer, QByteArrayView requestMethod, ResponseHead &out);
    void reset();

private:
    ParseResult finish(QByteArrayView head, QByteArrayView requestMethod, ResponseHead &out) const;
    ParseResult fail(const char *detail);

    Limits m_limits;
    HeadScanner m_scanner;
};

} // namespace aap::http
