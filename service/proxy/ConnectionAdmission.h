#pragma once

#include "proxy/Admission.h"

class QTcpSocket;

namespace aap::proxy {

class ProxyWorker;

// Admission as one client connection sees it: the context is built once when the connection is
// accepted, the peer's address and certificate are checked once at its first request (a TLS
// handshake is complete by then), and each request head is then decided by Admission.
class ConnectionAdmission {
public:
    // `fixedRoute`: the route owning the port the client connected to; -1: route by path.
    ConnectionAdmission(const ProxyWorker &worker, qsizetype fixedRoute);

    [[nodiscard]] Admission::Decision decide(const http::RequestHead &request, const QTcpSocket &socket,
                                             const ProxyWorker &worker)
    {
        if (!m_peerChecked) {
            checkPeer(socket, worker);
        }
        return Admission::decide(request, m_context);
    }
    [[nodiscard]] qsizetype fixedRoute() const { return m_context.fixedRoute; }

private:
    void checkPeer(const QTcpSocket &socket, const ProxyWorker &worker);

    AdmissionContext m_context;
    bool m_peerChecked = false;
};

} // namespace aap::proxy
