#pragma once

#include "auth/RefreshScheduler.h"
#include "auth/TokenProvider.h"
#include "auth/TokenStore.h"
#include "config/ServiceConfig.h"
#include "core/Clock.h"
#include "core/Expected.h"
#include "status/TokenStatus.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

namespace aap::auth {

// One token cache (provider + store + scheduler) per distinct (identity, audience) pair of the
// configured routes; routes that share both share the cache. Lives on the token thread.
// storeFor() and statuses() may be called from any thread once create() has returned: the set of
// caches never changes afterwards, and stores are thread-safe.
class TokenManager : public QObject {
    Q_OBJECT

public:
    using ProviderFactory =
        std::function<Expected<std::unique_ptr<TokenProvider>, QString>(const config::IdentityConfig &)>;

    // Fails when a route names an unknown identity, has no audience, or the factory fails.
    [[nodiscard]] static Expected<std::unique_ptr<TokenManager>, QString>
    create(Clock &clock, const config::ServiceConfig &config, const ProviderFactory &factory,
           const RefreshScheduler::RandomSource &random = {},
           const decltype(RefreshScheduler::Settings::attemptFinished) &attemptFinished = {},
           QObject *parent = nullptr);

    ~TokenManager() override;

    void start();
    void stop();
    // Every cache fetches now (operator's "refresh now"; see RefreshScheduler::refreshNow).
    void refreshNow();

    // The store serving routeName, or nullptr for an unknown route.
    [[nodiscard]] TokenStore *storeFor(const QString &routeName) const;
    // One per cache, in route order of first use.
    [[nodiscard]] QList<status::TokenStatus> statuses() const;
    [[nodiscard]] qsizetype cacheCount() const { return static_cast<qsizetype>(m_caches.size()); }

Q_SIGNALS:
    // Any cache's status changed (on the token thread).
    void statusChanged();

private:
    explicit TokenManager(QObject *parent) : QObject(parent) {}

    struct Cache {
        // Destroyed in reverse: the scheduler first, as it refers to the other two.
        std::unique_ptr<TokenProvider> provider;
        std::unique_ptr<TokenStore> store;
        std::unique_ptr<RefreshScheduler> scheduler;
    };

    std::vector<std::unique_ptr<Cache>> m_caches;
    QHash<QString, TokenStore *> m_storeByRoute;
};

} // namespace aap::auth
