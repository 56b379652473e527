#pragma once

#include "http/HeadScanner.h"
#include "http/HttpTypes.h"
#include "http/RequestHead.h"

#include <QByteArrayView>

namespace aap::http {

// Incremental HTTP/1.1 request head parser (RFC 9112, strict: bare LF, obs-fold, smuggling-prone
// framing and over-limit heads are errors).
//
// Call parse() with every byte received so far for this message (same start, more bytes appended).
// Each call scans only the bytes not seen before; the request line is checked as soon as it is
// complete and an over-limit head fails before its end arrives. Incomplete: need more. Complete:
// `consumed` is the head's size (ignored leading empty lines included); the body or the next
// pipelined request starts there and `out` is filled. Error: `error` says which reply to send
// (statusCodeFor()); close the connection afterwards. After Complete or Error the parser is ready
// for the next message.
//
// Content-Length: one field with one decimal value. Repeated Content-Length fields are rejected even
// when identical (RFC 9112 section 6.3 allows either; a single rule is what keeps us and the
// upstream in agreement). Transfer-Encoding must be exactly "chunked" (another coding before it:
// 501; chunked not final: 400) and never together with Content-Length or in HTTP/1.0.
class RequestHeadParser {
public:
    explicit RequestHeadParser(Limits limits = {});

    ParseResult parse(QByteArrayView buffer, RequestHead &out);
    // Forget a partly scanned message (e.g. the buffer was discarded).
    void reset();

    const Limits &limits() const { return m_limits; }

private:
    ParseResult parseRequestLine(QByteArrayView line);
    ParseResult finish(QByteArrayView head, RequestHead &out) const;
    ParseResult fail(HttpError kind, QByteArray detail);

    Limits m_limits;
    HeadScanner m_scanner;
    // The request line, relative to the head start, valid once the scanner passed it.
    ByteRange m_method;
    ByteRange m_target;
    ByteRange m_authority;
    ByteRange m_pathAndQuery;
    TargetForm m_targetForm = TargetForm::Origin;
    int m_minorVersion = 1;
};

} // namespace aap::http
