#pragma once

#include "auth/providers/ClientCredential.h"
#include "core/Clock.h"

#include <QByteArray>

#include <chrono>
#include <optional>

namespace aap::auth {

// Workload identity federation: the assertion is the token Kubernetes (or another OIDC issuer)
// writes to AZURE_FEDERATED_TOKEN_FILE. Kubernetes rotates the file at 80 % of its lifetime
// (at least an hour), so the contents are cached for a few minutes only, never for the process
// lifetime.
class FederatedTokenCredential final : public ClientCredential {
public:
    static constexpr std::chrono::minutes cacheLifetime{5};

    FederatedTokenCredential(QString path, Clock &clock);

    Expected<void, TokenError> addTo(TokenRequestForm &form, const QUrl &tokenUrl,
                                     const QString &clientId) override;
    [[nodiscard]] QString describe() const override;

private:
    Expected<QByteArray, TokenError> read();

    QString m_path;
    Clock &m_clock;
    QByteArray m_cached; // a secret: never logged
    std::optional<Clock::TimePoint> m_readAt;
};

} // namespace aap::auth
