#include "emulation/EmulatorControl.h"

#include "emulation/Emulator.h"

#include <QJsonDocument>

namespace aap::emulator {

EmulatorControl::EmulatorControl(gsl::not_null<Emulator *> emulator, QObject *parent)
    : FakeTokenServer(parent), m_emulator(emulator)
{
    setRecordLimit(0);
}

test::FakeTokenServer::Reply EmulatorControl::handle(const test::RecordedRequest &request)
{
    if (request.path == "/status" && request.method == "GET") {
        Reply reply;
        reply.body = QJsonDocument(m_emulator->status()).toJson(QJsonDocument::Indented);
        return reply;
    }
    if (request.path != "/faults")
        return error(404, QStringLiteral("not_found"), QStringLiteral("GET /status or POST /faults"));
    if (request.method != "POST")
        return error(405, QStringLiteral("method_not_allowed"), QStringLiteral("only POST"));
    bool countOk = true;
    bool retryOk = true;
    const QString countText = request.queryValue(QStringLiteral("count"));
    const QString retryText = request.queryValue(QStringLiteral("retry_after"));
    const int count = countText.isEmpty() ? 1 : countText.toInt(&countOk);
    const int retryAfter = retryText.isEmpty() ? 5 : retryText.toInt(&retryOk);
    if (!countOk || !retryOk || count < 1 || retryAfter < 0)
        return error(400, QStringLiteral("invalid_request"),
                     QStringLiteral("count must be >= 1 and retry_after >= 0"));
    const auto injected =
        m_emulator->injectFault(request.queryValue(QStringLiteral("service")),
                                request.queryValue(QStringLiteral("kind")), count, retryAfter);
    if (!injected)
        return error(400, QStringLiteral("invalid_request"), injected.error());
    Reply reply;
    reply.status = 204;
    reply.contentType.clear();
    return reply;
}

} // namespace aap::emulator
