#include "proxy/LocalResponder.h"

#include "health/ReadinessProbe.h"
#include "http/RequestHead.h"
#include "inbound/InboundGuard.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "proxy/ProxyWorker.h"

namespace aap::proxy {

using log::LogField;

LocalResponder::LocalResponder(ProxyWorker &worker, const QByteArray &peerAddress)
    : m_worker(worker), m_peerAddress(peerAddress)
{}

void LocalResponder::endpoint(QByteArray &out, Admission::LocalEndpoint endpoint,
                              const http::RequestHead &request, bool close)
{
    m_worker.counters().localReplies.add();
    out.resize(0);
    if (endpoint == Admission::LocalEndpoint::Health) {
        LocalReply::appendJson(out, 200, R"({"status":"ok"})", connection(request, close));
    } else if (endpoint == Admission::LocalEndpoint::Metrics) {
        LocalReply::appendBody(out, 200, "text/plain; version=0.0.4; charset=utf-8",
                               m_worker.options().telemetry.metricsText(), connection(request, close));
    } else {
        const auto answer = m_worker.probe().answer();
        if (const auto suppressed = answer.ready ? std::nullopt : m_worker.notReadyLog().admit()) {
            qCWarning(lcHealth).noquote() << "not ready" << LogField::kv("reason", answer.body)
                                          << LogField::kv("suppressed", *suppressed);
        }
        LocalReply::appendJson(out, answer.ready ? 200 : 503, answer.body, connection(request, close));
    }
    if (request.isHead()) {
        out.truncate(out.indexOf("\r\n\r\n") + 4);
    }
}

void LocalResponder::rejection(QByteArray &out, const inbound::InboundRejection &rejection,
                               const http::RequestHead &request)
{
    m_worker.counters().count(ProxyErrorKind::InboundRejected);
    if (const auto suppressed = m_worker.rejectedLog().admit()) {
        qCWarning(lcProxy).noquote() << "request rejected" << LogField::kv("peer", m_peerAddress)
                                     << LogField::kv("status", rejection.status)
                                     << LogField::kv("code", rejection.code)
                                     << LogField::kv("reason", rejection.message)
                                     << LogField::kv("suppressed", *suppressed);
    }
    error(out, request, true, rejection.status, rejection.code, rejection.message);
}

void LocalResponder::error(QByteArray &out, const http::RequestHead &request, bool close, int status,
                           QByteArrayView code, const QString &message, QByteArrayView extraFields)
{
    out.resize(0);
    LocalReply::appendError(out, status, code, message.toUtf8(), connection(request, close), extraFields);
}

LocalReply::Connection LocalResponder::connection(const http::RequestHead &request, bool close)
{
    if (close) {
        return LocalReply::Connection::Close;
    }
    // The connection stays open only after a parsed request, so `request` is the one answered.
    return request.minorVersion() == 0 ? LocalReply::Connection::PersistentAnnounce
                                       : LocalReply::Connection::Persistent;
}

} // namespace aap::proxy
