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

#include <gsl/narrow>

namespace aap::auth {

// One token cache (provider + store + scheduler) per distinct (identity, audience) pair of the
// configured routes; routes that share both share the cache. Lives on the token thread.
// storeFor() and statuses() may be called from any thread once create() has returned: the set of
// caches never changes afterwards, and stores are thread-safe.
// A reload builds a new manager from the new configuration and the running one: a cache whose
// identity settings, audience and refresh percentage are unchanged is shared, not rebuilt, so its
// token and refresh schedule carry on; a cache lives as long as any manager that holds it.
class TokenManager : public QObject {
    Q_OBJECT

public:
    using ProviderFactory =
        std::function<Expected<std::unique_ptr<TokenProvider>, QString>(const config::IdentityConfig &)>;
    // Hears about every finished token fetch (traces); may be empty.
    using AttemptObserver = decltype(RefreshScheduler::Settings::attemptFinished);

    // Fails when a route names an unknown identity, has no audience, or the factory fails.
    [[nodiscard]] static Expected<std::unique_ptr<TokenManager>, QString>
    create(Clock &clock, const config::ServiceConfig &config, const ProviderFactory &factory,
           const RefreshScheduler::RandomSource &random = {}, const AttemptObserver &attemptFinished = {},
           QObject *parent = nullptr);
    // As create(), sharing every cache of `running` that config still asks for unchanged (same
    // identity settings, audience and refresh percentage); the factory is called for the rest. A
    // shared cache keeps the observer it was created with.
    [[nodiscard]] static Expected<std::unique_ptr<TokenManager>, QString>
    createFrom(const TokenManager &running, Clock &clock, const config::ServiceConfig &config,
               const ProviderFactory &factory, const RefreshScheduler::RandomSource &random = {},
               const AttemptObserver &attemptFinished = {}, QObject *parent = nullptr);

    ~TokenManager() override;

    // Starts the caches that are not running yet (shared caches keep their schedule).
    void start();
    void stop();
    // Every cache fetches now (operator's "refresh now"; see RefreshScheduler::refreshNow).
    void refreshNow();

    // The store serving routeName, or nullptr for an unknown route.
    [[nodiscard]] TokenStore *storeFor(const QString &routeName) const;
    // One per cache, in route order of first use.
    [[nodiscard]] QList<status::TokenStatus> statuses() const;
    [[nodiscard]] qsizetype cacheCount() const { return gsl::narrow<qsizetype>(m_caches.size()); }
    // How many of this manager's caches were taken over from the running one by createFrom().
    [[nodiscard]] qsizetype sharedCacheCount() const { return m_sharedCount; }

Q_SIGNALS:
    // Any cache's status changed (on the token thread).
    void statusChanged();

private:
    explicit TokenManager(QObject *parent) : QObject(parent) {}

    struct Cache {
        // What decides whether a reload may keep the cache.
        config::IdentityConfig identity;
        QString audience;
        int refreshPercent = 0;
        // Destroyed in reverse: the scheduler first, as it refers to the other two.
        std::unique_ptr<TokenProvider> provider;
        std::unique_ptr<TokenStore> store;
        std::unique_ptr<RefreshScheduler> scheduler;
    };

    [[nodiscard]] static Expected<std::unique_ptr<TokenManager>, QString>
    build(const TokenManager *running, Clock &clock, const config::ServiceConfig &config,
          const ProviderFactory &factory, const RefreshScheduler::RandomSource &random,
          const AttemptObserver &attemptFinished, QObject *parent);

    std::vector<std::shared_ptr<Cache>> m_caches;
    QHash<QString, TokenStore *> m_storeByRoute;
    qsizetype m_sharedCount = 0;
};

} // namespace aap::auth
