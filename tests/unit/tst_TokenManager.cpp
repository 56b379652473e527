#include "auth/TokenManager.h"
#include "support/FakeClock.h"
#include "support/ScriptedTokenProvider.h"

#include <QSignalSpy>
#include <QTest>

#include <chrono>

using namespace std::chrono_literals;
using aap::auth::TokenManager;
using aap::auth::TokenProvider;
using aap::config::IdentityConfig;
using aap::config::IdentityKind;
using aap::config::RouteConfig;
using aap::config::ServiceConfig;
using aap::test::FakeClock;
using aap::test::ScriptedTokenProvider;
using State = aap::status::TokenStatus::State;

Q_DECLARE_METATYPE(ServiceConfig)

namespace {

const QString kIngest = QStringLiteral("https://monitor.azure.com");
const QString kQuery = QStringLiteral("https://prometheus.monitor.azure.com");

RouteConfig route(const QString &name, const QString &audience, const QString &identity)
{
    RouteConfig route;
    route.name = name;
    route.audience = audience;
    route.identity = identity;
    return route;
}

IdentityConfig identity(const QString &name, IdentityKind kind, const QString &clientId = {})
{
    IdentityConfig identity;
    identity.name = name;
    identity.kind = kind;
    identity.clientId = clientId;
    return identity;
}

// Three routes on two identities: "ingest" and "ingest-2" share identity and audience.
ServiceConfig threeRoutes()
{
    ServiceConfig config;
    config.identities = {
        identity(QStringLiteral("mi"), IdentityKind::SystemAssigned),
        identity(QStringLiteral("app"), IdentityKind::UserAssigned, QStringLiteral("client-1"))};
    config.routes = {route(QStringLiteral("ingest"), kIngest, QStringLiteral("mi")),
                     route(QStringLiteral("query"), kQuery, QStringLiteral("app")),
                     route(QStringLiteral("ingest-2"), kIngest, QStringLiteral("mi"))};
    return config;
}

// Creates ScriptedTokenProviders and remembers them (the manager owns them).
struct Factory {
    explicit Factory(FakeClock &fakeClock) : clock(fakeClock) {}

    TokenManager::ProviderFactory callback()
    {
        return
            [this](const IdentityConfig &config) -> aap::Expected<std::unique_ptr<TokenProvider>, QString> {
                if (config.name == failFor) {
                    return aap::Unexpected(QStringLiteral("certificate file not found"));
                }
                auto provider =
                    std::make_unique<ScriptedTokenProvider>(clock, QLatin1String("scripted ") + config.name);
                created << provider.get();
                return std::unique_ptr<TokenProvider>(std::move(provider));
            };
    }

    FakeClock &clock;
    QString failFor;
    QList<ScriptedTokenProvider *> created;
};

} // namespace

class tst_TokenManager : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void oneCachePerIdentityAndAudience()
    {
        FakeClock clock;
        Factory factory(clock);
        auto manager = TokenManager::create(clock, threeRoutes(), factory.callback());
        QVERIFY(manager.has_value());
        QCOMPARE((*manager)->cacheCount(), 2);
        QCOMPARE(factory.created.size(), 2);

        auto *ingest = (*manager)->storeFor(QStringLiteral("ingest"));
        auto *ingest2 = (*manager)->storeFor(QStringLiteral("ingest-2"));
        auto *query = (*manager)->storeFor(QStringLiteral("query"));
        QVERIFY(ingest != nullptr && query != nullptr);
        QCOMPARE(ingest, ingest2);
        QVERIFY(ingest != query);
        QCOMPARE((*manager)->storeFor(QStringLiteral("nope")), nullptr);

        const auto statuses = (*manager)->statuses();
        QCOMPARE(statuses.size(), 2);
        QCOMPARE(statuses[0].identityName, QStringLiteral("mi"));
        QCOMPARE(statuses[0].identityKind, QStringLiteral("systemassigned"));
        QCOMPARE(statuses[0].audience, kIngest);
        QCOMPARE(statuses[0].routes, (QStringList{QStringLiteral("ingest"), QStringLiteral("ingest-2")}));
        QCOMPARE(statuses[0].source, QStringLiteral("scripted mi"));
        QCOMPARE(statuses[1].identityKind, QStringLiteral("userassigned"));
        QCOMPARE(statuses[1].clientId, QStringLiteral("client-1"));
        QCOMPARE(statuses[1].audience, kQuery);
        QCOMPARE(statuses[1].state, State::Stopped);
    }

    // The same identity for two audiences needs two tokens.
    void sameIdentityTwoAudiencesTwoCaches()
    {
        FakeClock clock;
        Factory factory(clock);
        ServiceConfig config;
        config.identities = {identity(QStringLiteral("mi"), IdentityKind::SystemAssigned)};
        config.routes = {route(QStringLiteral("ingest"), kIngest, QStringLiteral("mi")),
                         route(QStringLiteral("query"), kQuery, QStringLiteral("mi"))};
        auto manager = TokenManager::create(clock, config, factory.callback());
        QVERIFY(manager.has_value());
        QCOMPARE((*manager)->cacheCount(), 2);
    }

    void startFetchesEveryCacheAndPublishes()
    {
        FakeClock clock;
        Factory factory(clock);
        auto created = TokenManager::create(clock, threeRoutes(), factory.callback());
        QVERIFY(created.has_value());
        TokenManager &manager = **created;
        QSignalSpy statusChanged(&manager, &TokenManager::statusChanged);
        manager.start();
        QCOMPARE(factory.created[0]->fetchCount(), 1);
        QCOMPARE(factory.created[0]->lastResource(), kIngest);
        QCOMPARE(factory.created[1]->lastResource(), kQuery);
        QVERIFY(statusChanged.count() >= 2);

        factory.created[0]->succeed("tok-ingest", 1h);
        QVERIFY(manager.storeFor(QStringLiteral("ingest-2"))->snapshot()->authorization ==
                QByteArrayLiteral("Bearer tok-ingest"));
        QVERIFY(!manager.storeFor(QStringLiteral("query"))->snapshot());
        QCOMPARE(manager.statuses()[0].state, State::Valid);
        QCOMPARE(manager.statuses()[1].state, State::Acquiring);

        manager.refreshNow();
        QCOMPARE(factory.created[0]->fetchCount(), 2);
        QCOMPARE(factory.created[1]->fetchCount(), 1); // still fetching its first token

        manager.stop();
        QCOMPARE(manager.statuses()[0].state, State::Stopped);
        QCOMPARE(manager.statuses()[1].state, State::Stopped);
    }

    void refreshPercentComesFromConfig()
    {
        FakeClock clock;
        Factory factory(clock);
        ServiceConfig config = threeRoutes();
        config.token.refreshPercent = 50;
        auto manager = TokenManager::create(clock, config, factory.callback());
        QVERIFY(manager.has_value());
        (*manager)->start();
        factory.created[0]->succeed("tok", 1h);
        QCOMPARE((*manager)->statuses()[0].nextAttempt,
                 QDateTime::fromMSecsSinceEpoch(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                    (clock.now() + 1800s).time_since_epoch())
                                                    .count(),
                                                Qt::UTC));
    }

    // A reload: the unchanged (identity, audience) keeps its store, token and schedule; a changed
    // identity gets a new cache; dropping the old manager leaves the kept cache working.
    void createFromKeepsUnchangedCaches()
    {
        FakeClock clock;
        Factory factory(clock);
        auto running = TokenManager::create(clock, threeRoutes(), factory.callback());
        QVERIFY(running.has_value());
        (*running)->start();
        factory.created[0]->succeed("tok-ingest", 1h);
        factory.created[1]->succeed("tok-query", 1h);
        auto *ingestStore = (*running)->storeFor(QStringLiteral("ingest"));

        ServiceConfig next = threeRoutes();
        next.identities[1].clientId = QStringLiteral("client-2");
        next.routes.append(route(QStringLiteral("ingest-3"), kIngest, QStringLiteral("mi")));
        auto reloaded = TokenManager::createFrom(**running, clock, next, factory.callback());
        QVERIFY(reloaded.has_value());
        QCOMPARE((*reloaded)->cacheCount(), 2);
        QCOMPARE((*reloaded)->sharedCacheCount(), 1);
        QCOMPARE(factory.created.size(), 3); // only the changed identity got a new provider
        QCOMPARE((*reloaded)->storeFor(QStringLiteral("ingest")), ingestStore);
        QCOMPARE((*reloaded)->storeFor(QStringLiteral("ingest-3")), ingestStore);
        QVERIFY((*reloaded)->storeFor(QStringLiteral("query")) !=
                (*running)->storeFor(QStringLiteral("query")));

        (*reloaded)->start();
        QCOMPARE(factory.created[0]->fetchCount(), 1); // not restarted
        QCOMPARE(factory.created[2]->fetchCount(), 1);
        running->reset();
        QVERIFY(ingestStore->snapshot()->authorization == QByteArrayLiteral("Bearer tok-ingest"));
        QCOMPARE((*reloaded)->statuses()[0].state, State::Valid);
        QCOMPARE((*reloaded)->statuses()[1].state, State::Acquiring);
    }

    void createFromRebuildsWhenTheRefreshPercentChanges()
    {
        FakeClock clock;
        Factory factory(clock);
        auto running = TokenManager::create(clock, threeRoutes(), factory.callback());
        QVERIFY(running.has_value());
        ServiceConfig next = threeRoutes();
        next.token.refreshPercent = 30;
        auto reloaded = TokenManager::createFrom(**running, clock, next, factory.callback());
        QVERIFY(reloaded.has_value());
        QCOMPARE((*reloaded)->sharedCacheCount(), 0);
        QCOMPARE(factory.created.size(), 4);
    }

    void errors_data()
    {
        QTest::addColumn<ServiceConfig>("config");
        QTest::addColumn<QString>("failFor");
        QTest::addColumn<QString>("message");

        ServiceConfig unknownIdentity = threeRoutes();
        unknownIdentity.routes[1].identity = QStringLiteral("ghost");
        QTest::newRow("unknown identity")
            << unknownIdentity << QString()
            << QStringLiteral("route \"query\" refers to unknown identity \"ghost\"");
        ServiceConfig noAudience = threeRoutes();
        noAudience.routes[0].audience.clear();
        QTest::newRow("no audience") << noAudience << QString()
                                     << QStringLiteral("route \"ingest\" has no audience");
        QTest::newRow("factory fails") << threeRoutes() << QStringLiteral("app")
                                       << QStringLiteral("identity \"app\": certificate file not found");
    }

    void errors()
    {
        QFETCH(ServiceConfig, config);
        QFETCH(QString, failFor);
        QFETCH(QString, message);
        FakeClock clock;
        Factory factory(clock);
        factory.failFor = failFor;
        auto manager = TokenManager::create(clock, config, factory.callback());
        QVERIFY(!manager.has_value());
        QCOMPARE(manager.error(), message);
    }
};

QTEST_GUILESS_MAIN(tst_TokenManager)
#include "tst_TokenManager.moc"
