#pragma once

#include <QByteArray>
#include <QtGlobal>

// Plain value types shared by the HTTP/1.1 parsers, codecs and the head rewriter. Everything in
// aap::http is pure: bytes in, Incomplete / Complete(n) / Error(kind) out, no I/O, no clock.
namespace aap::http {

enum class ParseStatus { Incomplete, Complete, Error };

enum class HttpError {
    None,
    BadRequest,           // 400
    UriTooLong,           // 414
    HeaderFieldsTooLarge, // 431
    LengthRequired,       // 411
    NotImplemented,       // 501: unknown transfer-coding
    MethodNotAllowed,     // 405: CONNECT (this proxy never tunnels), TRACE (would echo the token)
    VersionNotSupported,  // 505
    BadChunk,             // 400: malformed chunked body
    BodyTooLarge,         // 413
    ExpectationFailed,    // 417: an Expect other than 100-continue
    BadResponse,          // upstream sent garbage: the proxy answers 502
};

struct ParseResult {
    ParseStatus status = ParseStatus::Incomplete;
    qsizetype consumed = 0; // bytes of the input that belong to what was parsed (valid when Complete)
    HttpError error = HttpError::None;
    QByteArray detail; // for the operator's log: names the rule, never contains header values
};

enum class BodyFraming {
    None,          // no body follows the head
    ContentLength, // exactly contentLength bytes follow (may be 0 when Content-Length: 0 was sent)
    Chunked,       // chunked transfer coding, decode with ChunkedDecoder
    UntilClose,    // responses only: the body ends when the upstream closes the connection
};

enum class TargetForm {
    Origin,   // "/path?query"
    Absolute, // "http://authority/path?query": authority() names the host the client asked for
    Asterisk, // "*", OPTIONS only
};

// Limits a peer cannot exceed; defaults are in line with common servers (nginx: 8 KiB line,
// 4 x 8 KiB headers).
struct Limits {
    qsizetype maxHeadBytes =
        qsizetype{32} * 1024; // request/status line + header section incl. final CRLF CRLF
    qsizetype maxTargetBytes = qsizetype{8} * 1024; // request-target
    qsizetype maxHeaderCount = 100;
    quint64 maxBodyBytes = 0;                        // 0 = unlimited; Content-Length above it -> BodyTooLarge
    qsizetype maxChunkLineBytes = 1024;              // chunk-size line incl. extensions
    qsizetype maxTrailerBytes = qsizetype{8} * 1024; // whole trailer section
};

// A slice of a head's own byte copy; offsets instead of QByteArrays so a parsed head costs no
// allocation per header.
struct ByteRange {
    quint32 offset = 0;
    quint32 length = 0;
};

struct HeaderField {
    ByteRange name;
    ByteRange value; // without leading/trailing whitespace
};

} // namespace aap::http
