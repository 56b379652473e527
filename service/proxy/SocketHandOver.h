#pragma once

#include <QtGlobal>

class QAbstractSocket;

namespace aap::proxy {

// Hands an idle client connection's descriptor over to another owner (a reload's new workers)
// without a byte on the wire.
class SocketHandOver {
public:
    // A duplicate of the socket's descriptor, or -1 (it failed, or the platform has no such thing).
    // The duplicate keeps the connection open while the socket's own descriptor closes; bytes the
    // client sends meanwhile wait in the kernel for the new owner.
    [[nodiscard]] static qintptr duplicate(const QAbstractSocket &socket);
};

} // namespace aap::proxy
