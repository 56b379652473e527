#include "support/ProviderTestKit.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QTest>

using namespace std::chrono_literals;

namespace aap::test {

std::shared_ptr<ProviderTestKit::Outcome> ProviderTestKit::fetchNow(auth::TokenProvider &provider,
                                                                    const QString &audience)
{
    auto outcome = std::make_shared<Outcome>();
    provider.fetch(audience, [outcome](auth::TokenProvider::Result result) {
        outcome->result.emplace(std::move(result));
    });
    return outcome;
}

auth::TokenProvider::Result ProviderTestKit::fetchAndWait(auth::TokenProvider &provider,
                                                          const QString &audience)
{
    const auto outcome = fetchNow(provider, audience);
    const QDeadlineTimer deadline(15s);
    while (!outcome->result && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    if (!outcome->result) {
        auth::TokenError error;
        error.description = QStringLiteral("test: no completion within 15 s");
        return Unexpected(error);
    }
    return std::move(*outcome->result);
}

QString ProviderTestKit::errorText(const auth::TokenProvider::Result &result)
{
    return result.has_value() ? QString() : result.error().description;
}

void ProviderTestKit::addFaultColumns()
{
    QTest::addColumn<int>("faultKind");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("expectedKind");
    QTest::addColumn<bool>("retryable");
    QTest::addColumn<int>("retryAfter");
}

void ProviderTestKit::addFaultRow(const char *name, FakeTokenServer::Fault::Kind fault, int status,
                                  auth::TokenError::Kind expected, bool retryable, int retryAfter)
{
    QTest::newRow(name) << static_cast<int>(fault) << status << static_cast<int>(expected) << retryable
                        << retryAfter;
}

void ProviderTestKit::addCommonFaultRows(int retryAfterSeconds, FakeTokenServer::Fault::Kind oversized)
{
    using Kind = FakeTokenServer::Fault::Kind;
    using Error = auth::TokenError::Kind;
    addFaultRow("500", Kind::Status, 500, Error::Http, true);
    addFaultRow("429 retry-after", Kind::Status, 429, Error::Http, true, retryAfterSeconds);
    addFaultRow("400", Kind::Status, 400, Error::Http, false);
    addFaultRow("bad json", Kind::BadJson, 0, Error::Malformed, true);
    addFaultRow("html", Kind::Html200, 0, Error::Malformed, true);
    addFaultRow("no access_token", Kind::MissingAccessToken, 0, Error::Malformed, true);
    addFaultRow("huge", oversized, 0, Error::Malformed, true);
}

FakeTokenServer::Fault ProviderTestKit::currentFault()
{
    using Fault = FakeTokenServer::Fault;
    QFETCH(int, faultKind);
    QFETCH(int, status);
    QFETCH(int, retryAfter);
    const auto kind = static_cast<Fault::Kind>(faultKind);
    if (kind != Fault::Kind::Status) {
        return Fault::of(kind);
    }
    RecordedRequest::Headers headers;
    if (retryAfter >= 0) {
        headers.append(qMakePair(QByteArrayLiteral("Retry-After"), QByteArray::number(retryAfter)));
    }
    return Fault::withStatus(status, {}, headers);
}

void ProviderTestKit::verifyFaultRow(auth::TokenProvider &provider)
{
    QFETCH(int, status);
    QFETCH(int, expectedKind);
    QFETCH(bool, retryable);
    QFETCH(int, retryAfter);
    auto outcome = fetchNow(provider);
    QTRY_VERIFY_WITH_TIMEOUT(outcome->result.has_value(), 10000);
    QVERIFY(!outcome->result->has_value());
    const auth::TokenError &error = outcome->result->error();
    QCOMPARE(static_cast<int>(error.kind), expectedKind);
    QCOMPARE(error.retryable, retryable);
    if (status != 0) {
        QCOMPARE(error.httpStatus, status);
    }
    QCOMPARE(error.retryAfter.has_value(), retryAfter >= 0);
    if (retryAfter >= 0) {
        QCOMPARE(error.retryAfter->count(), retryAfter);
    }
}

} // namespace aap::test
