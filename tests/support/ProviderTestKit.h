#pragma once

#include "auth/TokenProvider.h"

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

    // The error's description, or "" for a success (for QVERIFY2 messages and contains() checks).
    static QString errorText(const auth::TokenProvider::Result &result);
};

} // namespace aap::test
