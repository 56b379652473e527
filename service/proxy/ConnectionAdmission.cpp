#include "proxy/ConnectionAdmission.h"

#include "inbound/ListenerTls.h"
#include "proxy/ProxyWorker.h"

#include <QSslSocket>
#include <QTcpSocket>

namespace aap::proxy {

ConnectionAdmission::ConnectionAdmission(const ProxyWorker &worker, qsizetype fixedRoute)
{
    m_context.options = &worker.options();
    m_context.routes = &worker.routeTable();
    m_context.guard = &worker.inboundGuard();
    m_context.fixedRoute = fixedRoute;
}

void ConnectionAdmission::checkPeer(const QTcpSocket &socket, const ProxyWorker &worker)
{
    m_peerChecked = true;
    m_context.localPort = socket.localPort();
    m_context.localAddress = socket.localAddress();
    inbound::InboundGuard::Peer peer{socket.peerAddress()};
    const auto *tls = qobject_cast<const QSslSocket *>(&socket);
    if (tls != nullptr && worker.listenerTls() != nullptr) {
        peer.certificatePresented = !tls->peerCertificate().isNull();
        peer.certificateTrusted =
            peer.certificatePresented && worker.listenerTls()->trustsClient(tls->peerCertificateChain());
    }
    m_context.peerRejection = worker.inboundGuard().checkPeer(peer);
}

} // namespace aap::proxy
