#pragma once

#include <QByteArray>

namespace aap::proxy {

// Complete HTTP/1.1 responses the proxy answers itself: JSON error bodies and the health
// endpoints. Built into a caller-supplied buffer so a connection reuses its memory.
class LocalReply {
public:
    // {"error":{"code":"...","message":"..."}}; code and message must not contain secrets.
    static void appendError(QByteArray &out, int status, QByteArrayView code, QByteArrayView message,
                            bool closeConnection);
    // A JSON body as is (health endpoints).
    static void appendJson(QByteArray &out, int status, QByteArrayView body, bool closeConnection);

    static constexpr QByteArrayView continueResponse() { return "HTTP/1.1 100 Continue\r\n\r\n"; }

    [[nodiscard]] static QByteArrayView reasonPhrase(int status);
};

} // namespace aap::proxy
