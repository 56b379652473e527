#include "http/HttpStatus.h"

namespace aap::http {

int statusCodeFor(HttpError error)
{
    switch (error) {
    case HttpError::None:
        return 200;
    case HttpError::BadRequest:
    case HttpError::BadChunk:
        return 400;
    case HttpError::UriTooLong:
        return 414;
    case HttpError::HeaderFieldsTooLarge:
        return 431;
    case HttpError::LengthRequired:
        return 411;
    case HttpError::NotImplemented:
        return 501;
    case HttpError::MethodNotAllowed:
        return 405;
    case HttpError::VersionNotSupported:
        return 505;
    case HttpError::BodyTooLarge:
        return 413;
    case HttpError::ExpectationFailed:
        return 417;
    case HttpError::BadResponse:
        return 502;
    }
    return 500;
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return QByteArrayLiteral("Continue");
    case 200:
        return QByteArrayLiteral("OK");
    case 204:
        return QByteArrayLiteral("No Content");
    case 301:
        return QByteArrayLiteral("Moved Permanently");
    case 302:
        return QByteArrayLiteral("Found");
    case 304:
        return QByteArrayLiteral("Not Modified");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 411:
        return QByteArrayLiteral("Length Required");
    case 413:
        return QByteArrayLiteral("Content Too Large");
    case 414:
        return QByteArrayLiteral("URI Too Long");
    case 417:
        return QByteArrayLiteral("Expectation Failed");
    case 421:
        return QByteArrayLiteral("Misdirected Request");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 501:
        return QByteArrayLiteral("Not Implemented");
    case 502:
        return QByteArrayLiteral("Bad Gateway");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    case 504:
        return QByteArrayLiteral("Gateway Timeout");
    case 505:
        return QByteArrayLiteral("HTTP Version Not Supported");
    default:
        return QByteArrayLiteral("Unknown");
    }
}

} // namespace aap::http
