#include "proxy/FailureTable.h"

#include "http/HttpStatus.h"

#include <array>

#include <gsl/narrow>

namespace aap::proxy {

namespace {

using Kind = ProxyErrorKind;

// Indexed by Failure.
constexpr std::array<FailureSpec, 15> kFailures{{
    {421, "misdirected_request", Kind::MisdirectedRequest, {}},
    {404, "no_route", Kind::NoRoute, {}},
    {400, "path_escapes_route", Kind::BadRequest, {}},
    {400, "bad_chunked_body", Kind::BadRequest, {}},
    {408, "request_timeout", Kind::ClientHeaderTimeout, {}},
    {408, "request_timeout", Kind::ClientBodyTimeout, {}},
    {408, "request_timeout", Kind::ClientAborted, {}},
    {503, "no_token", Kind::NoToken, {}},
    {503, "upstream_pool_exhausted", Kind::UpstreamPoolExhausted, {}},
    {502, "upstream_connect_failed", Kind::UpstreamConnect, {}},
    {502, "upstream_tls_failed", Kind::UpstreamTls, {}},
    {504, "upstream_timeout", Kind::UpstreamTimeout, {}},
    {502, "upstream_reset", Kind::UpstreamReset, {}},
    {502, "upstream_bad_response", Kind::UpstreamReset, {}},
    {503, "shutting_down", Kind::ShuttingDown, {}},
}};
static_assert(kFailures.size() == static_cast<std::size_t>(Failure::ShuttingDown) + 1);

// Sent with every 405: the methods this proxy forwards (it also forwards other extension methods).
constexpr QByteArrayView kAllowField = "Allow: GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS\r\n";

QByteArrayView parseErrorCode(http::HttpError error)
{
    switch (error) {
    case http::HttpError::UriTooLong:
        return "uri_too_long";
    case http::HttpError::HeaderFieldsTooLarge:
        return "header_fields_too_large";
    case http::HttpError::LengthRequired:
        return "length_required";
    case http::HttpError::NotImplemented:
        return "not_implemented";
    case http::HttpError::MethodNotAllowed:
        return "method_not_allowed";
    case http::HttpError::VersionNotSupported:
        return "http_version_not_supported";
    case http::HttpError::BadChunk:
        return "bad_chunked_body";
    case http::HttpError::BodyTooLarge:
        return "body_too_large";
    case http::HttpError::ExpectationFailed:
        return "expectation_failed";
    default:
        return "bad_request";
    }
}

} // namespace

FailureSpec FailureTable::of(Failure failure)
{
    return kFailures[gsl::narrow<std::size_t>(static_cast<int>(failure))];
}

FailureSpec FailureTable::of(http::HttpError error)
{
    return {http::statusCodeFor(error), parseErrorCode(error), Kind::BadRequest,
            error == http::HttpError::MethodNotAllowed ? kAllowField : QByteArrayView()};
}

} // namespace aap::proxy
