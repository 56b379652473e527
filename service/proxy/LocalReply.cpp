#include "proxy/LocalReply.h"

namespace aap::proxy {

namespace {

// JSON string escaping for the few characters an operator message can contain.
void appendJsonString(QByteArray &out, QByteArrayView text)
{
    out.append('"');
    for (const char c : text) {
        switch (c) {
        case '"':
            out.append("\\\"");
            break;
        case '\\':
            out.append("\\\\");
            break;
        case '\n':
            out.append("\\n");
            break;
        case '\r':
            out.append("\\r");
            break;
        case '\t':
            out.append("\\t");
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                out.append("\\u00");
                constexpr char hex[] = "0123456789abcdef";
                out.append(hex[(static_cast<unsigned char>(c) >> 4) & 0xf]);
                out.append(hex[static_cast<unsigned char>(c) & 0xf]);
            } else {
                out.append(c);
            }
        }
    }
    out.append('"');
}

} // namespace

QByteArrayView LocalReply::reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 417:
        return "Expectation Failed";
    case 421:
        return "Misdirected Request";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

void LocalReply::appendJson(QByteArray &out, int status, QByteArrayView body, Connection connection,
                            QByteArrayView extraFields)
{
    appendBody(out, status, "application/json", body, connection, extraFields);
}

void LocalReply::appendBody(QByteArray &out, int status, QByteArrayView contentType, QByteArrayView body,
                            Connection connection, QByteArrayView extraFields)
{
    out.append("HTTP/1.1 ");
    out.append(QByteArray::number(status));
    out.append(' ');
    out.append(reasonPhrase(status));
    out.append("\r\nContent-Type: ");
    out.append(contentType);
    out.append("\r\nCache-Control: no-store\r\nContent-Length: ");
    out.append(QByteArray::number(body.size()));
    out.append("\r\n");
    out.append(extraFields);
    switch (connection) {
    case Connection::Persistent:
        break;
    case Connection::PersistentAnnounce:
        out.append("Connection: keep-alive\r\n");
        break;
    case Connection::Close:
        out.append("Connection: close\r\n");
        break;
    }
    out.append("\r\n");
    out.append(body);
}

void LocalReply::appendError(QByteArray &out, int status, QByteArrayView code, QByteArrayView message,
                             Connection connection, QByteArrayView extraFields)
{
    QByteArray body;
    body.reserve(64 + code.size() + message.size());
    body.append(R"({"error":{"code":)");
    appendJsonString(body, code);
    body.append(R"(,"message":)");
    appendJsonString(body, message);
    body.append("}}");
    appendJson(out, status, body, connection, extraFields);
}

} // namespace aap::proxy
