#include "auth/TokenManager.h"

#include "config/ConfigValues.h"
#include "log/LogField.h"
#include "log/Logging.h"

#include <algorithm>
#include <iterator>

#include <gsl/narrow>

namespace aap::auth {

namespace {

const config::IdentityConfig *findIdentity(const config::ServiceConfig &config, const QString &name)
{
    for (const auto &identity : config.identities) {
        if (identity.name == name) {
            return &identity;
        }
    }
    return nullptr;
}

} // namespace

Expected<std::unique_ptr<TokenManager>, QString>
TokenManager::create(Clock &clock, const config::ServiceConfig &config, const ProviderFactory &factory,
                     const RefreshScheduler::RandomSource &random, const AttemptObserver &attemptFinished,
                     QObject *parent)
{
    return build(nullptr, clock, config, factory, random, attemptFinished, parent);
}

Expected<std::unique_ptr<TokenManager>, QString>
TokenManager::createFrom(const TokenManager &running, Clock &clock, const config::ServiceConfig &config,
                         const ProviderFactory &factory, const RefreshScheduler::RandomSource &random,
                         const AttemptObserver &attemptFinished, QObject *parent)
{
    return build(&running, clock, config, factory, random, attemptFinished, parent);
}

Expected<std::unique_ptr<TokenManager>, QString>
TokenManager::build(const TokenManager *running, Clock &clock, const config::ServiceConfig &config,
                    const ProviderFactory &factory, const RefreshScheduler::RandomSource &random,
                    const AttemptObserver &attemptFinished, QObject *parent)
{
    std::unique_ptr<TokenManager> manager(new TokenManager(parent));

    // Group routes by (identity, audience) first, keeping the order of first use.
    struct Group {
        const config::IdentityConfig *identity;
        QString audience;
        QStringList routes;
    };
    QList<Group> groups;
    for (const auto &route : config.routes) {
        const config::IdentityConfig *identity = findIdentity(config, route.identity);
        if (identity == nullptr) {
            return Unexpected(QLatin1String("route \"") + route.name +
                              QLatin1String("\" refers to unknown identity \"") + route.identity +
                              QLatin1Char('"'));
        }
        if (route.audience.isEmpty()) {
            return Unexpected(QLatin1String("route \"") + route.name + QLatin1String("\" has no audience"));
        }
        auto group = std::find_if(groups.begin(), groups.end(), [&](const Group &g) {
            return g.identity == identity && g.audience == route.audience;
        });
        if (group == groups.end()) {
            groups.append(Group{identity, route.audience, {}});
            group = std::prev(groups.end());
        }
        group->routes << route.name;
    }

    for (const auto &group : groups) {
        if (running != nullptr) {
            const auto kept = std::find_if(
                running->m_caches.begin(), running->m_caches.end(), [&](const std::shared_ptr<Cache> &cache) {
                    return cache->identity == *group.identity && cache->audience == group.audience &&
                           cache->refreshPercent == config.token.refreshPercent;
                });
            if (kept != running->m_caches.end()) {
                for (const auto &route : group.routes) {
                    manager->m_storeByRoute.insert(route, (*kept)->store.get());
                }
                connect((*kept)->store.get(), &TokenStore::statusChanged, manager.get(),
                        &TokenManager::statusChanged);
                qCInfo(lcAuth).noquote()
                    << "token cache kept" << log::LogField::kv("identity", group.identity->name)
                    << log::LogField::kv("audience", group.audience)
                    << log::LogField::kv("routes", group.routes.join(QLatin1Char(',')));
                manager->m_caches.push_back(*kept);
                ++manager->m_sharedCount;
                continue;
            }
        }
        auto provider = factory(*group.identity);
        if (!provider) {
            return Unexpected(QLatin1String("identity \"") + group.identity->name + QLatin1String("\": ") +
                              provider.error());
        }
        auto cache = std::make_shared<Cache>();
        cache->identity = *group.identity;
        cache->audience = group.audience;
        cache->refreshPercent = config.token.refreshPercent;
        cache->provider = std::move(provider).value();
        cache->store = std::make_unique<TokenStore>();
        RefreshScheduler::Settings settings;
        settings.resource = group.audience;
        settings.identityName = group.identity->name;
        settings.identityKind = config::values::identityKindName(group.identity->kind).toLower();
        settings.clientId = group.identity->clientId;
        settings.routes = group.routes;
        settings.refreshPercent = config.token.refreshPercent;
        settings.random = random;
        settings.attemptFinished = attemptFinished;
        cache->scheduler =
            std::make_unique<RefreshScheduler>(clock, *cache->provider, *cache->store, settings);
        connect(cache->store.get(), &TokenStore::statusChanged, manager.get(), &TokenManager::statusChanged);
        for (const auto &route : group.routes) {
            manager->m_storeByRoute.insert(route, cache->store.get());
        }
        qCInfo(lcAuth).noquote() << "token cache created"
                                 << log::LogField::kv("identity", group.identity->name)
                                 << log::LogField::kv("audience", group.audience)
                                 << log::LogField::kv("routes", group.routes.join(QLatin1Char(',')));
        manager->m_caches.push_back(std::move(cache));
    }
    return manager;
}

TokenManager::~TokenManager() = default;

void TokenManager::start()
{
    for (const auto &cache : m_caches) {
        if (!cache->scheduler->isRunning()) {
            cache->scheduler->start();
        }
    }
}

void TokenManager::stop()
{
    for (const auto &cache : m_caches) {
        cache->scheduler->stop();
    }
}

void TokenManager::refreshNow()
{
    for (const auto &cache : m_caches) {
        cache->scheduler->refreshNow();
    }
}

TokenStore *TokenManager::storeFor(const QString &routeName) const
{
    return m_storeByRoute.value(routeName, nullptr);
}

QList<status::TokenStatus> TokenManager::statuses() const
{
    QList<status::TokenStatus> result;
    result.reserve(gsl::narrow<qsizetype>(m_caches.size()));
    for (const auto &cache : m_caches) {
        result << cache->store->status();
    }
    return result;
}

} // namespace aap::auth
