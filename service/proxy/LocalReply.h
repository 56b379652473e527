#pragma once

#include <QByteArray>

namespace aap::proxy {

// Complete HTTP/1.1 responses the proxy answers itself: JSON error bodies and the health
// endpoints. Built into a caller-supplied buffer so a connection reuses its memory.
class LocalReply {
public:
    // What the reply says about the client connection. An HTTP/1.0 client that asked for keep-alive
    // must be told it was granted (Connection: keep-alive), or it waits for the close.
    enum class Connection {
        Persistent,         // HTTP/1.1 default: no field
        PersistentAnnounce, // Connection: keep-alive
        Close,              // Connection: close
    };

    // {"error":{"code":"...","message":"..."}}; code and message must not contain secrets.
    // `extraFields`: complete header lines (each ending in CRLF), e.g. "Allow: GET\r\n".
    static void appendError(QByteArray &out, int status, QByteArrayView code, QByteArrayView message,
                            Connection connection, QByteArrayView extraFields = {});
    // A JSON body as is (health endpoints).
    static void appendJson(QByteArray &out, int status, QByteArrayView body, Connection connection,
                           QByteArrayView extraFields = {});
    // Any body with its media type (/metrics).
    static void appendBody(QByteArray &out, int status, QByteArrayView contentType, QByteArrayView body,
                           Connection connection, QByteArrayView extraFields = {});

    static constexpr QByteArrayView continueResponse() { return "HTTP/1.1 100 Continue\r\n\r\n"; }

    [[nodiscard]] static QByteArrayView reasonPhrase(int status);
};

} // namespace aap::proxy
