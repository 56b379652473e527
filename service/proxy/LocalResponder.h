#pragma once

#include "proxy/Admission.h"
#include "proxy/LocalReply.h"

#include <QByteArray>
#include <QString>

namespace aap::http {
class RequestHead;
}
namespace aap::inbound {
struct InboundRejection;
}

namespace aap::proxy {

class ProxyWorker;

// What the proxy answers itself, never the target: /health, /ready and /metrics, the inbound
// guard's rejections and error replies. Each reply is built complete into the caller's buffer;
// `close` says whether it announces the end of the connection. Counts and logs what it answers.
class LocalResponder {
public:
    // The references are the connection's and outlive this responder.
    LocalResponder(ProxyWorker &worker, const QByteArray &peerAddress);

    void endpoint(QByteArray &out, Admission::LocalEndpoint endpoint, const http::RequestHead &request,
                  bool close);
    // The listener's inbound protection turned the request away: 401 or 403, and the connection
    // closes after it.
    void rejection(QByteArray &out, const inbound::InboundRejection &rejection,
                   const http::RequestHead &request);
    void error(QByteArray &out, const http::RequestHead &request, bool close, int status, QByteArrayView code,
               const QString &message, QByteArrayView extraFields = {});

private:
    [[nodiscard]] static LocalReply::Connection connection(const http::RequestHead &request, bool close);

    ProxyWorker &m_worker;
    const QByteArray &m_peerAddress;
};

} // namespace aap::proxy
