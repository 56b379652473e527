#pragma once

#include "auth/TokenProvider.h"
#include "protocol/FakeTokenServer.h"

#include <QString>

#include <memory>
#include <optional>

namespace aap::test {

// What the provider integration tests share: start one fetch and look at its result.
class ProviderTestKit {
public:
    // The audience most tests fetch for.
    static QString resource() { return QStringLiteral("https://monitor.azure.com"); }

    // Filled when the provider calls its completion; tests wait on `result` with QTRY_*.
    struct Outcome {
        std::optional<auth::TokenProvider::Result> result;
    };

    // Starts one fetch; the outcome outlives a provider that never calls back.
    static std::shared_ptr<Outcome> fetchNow(auth::TokenProvider &provider,
                                             const QString &audience = resource());

    // Fetches and processes events until the provider completes; no completion within 15 s is an
    // error that says so. For tests that look at the result at once rather than with QTRY_*.
    static auth::TokenProvider::Result fetchAndWait(auth::TokenProvider &provider,
                                                    const QString &audience = resource());

    // The error's description, or "" for a success (for QVERIFY2 messages and contains() checks).
    static QString errorText(const auth::TokenProvider::Result &result);

    // The fault tables of the token-service tests: the fault the fake answers with and the
    // TokenError it must become. A status fault carries Retry-After when retryAfter >= 0.
    static void addFaultColumns();
    static void addFaultRow(const char *name, FakeTokenServer::Fault::Kind fault, int status,
                            auth::TokenError::Kind expected, bool retryable, int retryAfter = -1);
    // The rows App Service and Arc answer alike; `oversized` is how the fake sends a huge reply.
    static void addCommonFaultRows(int retryAfterSeconds, FakeTokenServer::Fault::Kind oversized);
    // The current row's fault, to inject before the fetch.
    static FakeTokenServer::Fault currentFault();
    // Fetches once and compares the error with the current row; a mismatch fails the test like
    // QCOMPARE does, so a caller with more checks looks at QTest::currentTestFailed() first.
    static void verifyFaultRow(auth::TokenProvider &provider);
};

} // namespace aap::test
