#include "config/ConfigValues.h"
#include "support/ProxyTestClient.h"
#include "support/ProxyTestHarness.h"
#include "support/process/ServiceProcess.h"

#include <QTest>

#include <memory>

using aap::config::values::parseHeaderOverrides;
using aap::proxy::ProxyRoute;
namespace proxy = aap::proxy;
using aap::test::FakeUpstream;
using aap::test::ProxyTestClient;
using aap::test::ProxyTestHarness;
using aap::test::ServiceProcess;

namespace {

ProxyRoute route(ProxyTestHarness &h, const QString &name, const QString &prefix)
{
    ProxyRoute route;
    route.config.name = name;
    route.config.pathPrefix = prefix;
    route.config.target = h.upstreamTarget();
    route.store = &h.store;
    return route;
}

std::optional<FakeUpstream::Request> forward(ProxyTestHarness &h, quint16 port, const QByteArray &request)
{
    const qsizetype before = h.upstream.requests().size();
    ProxyTestClient client;
    if (!client.connectTo(port)) {
        return std::nullopt;
    }
    client.send(request);
    const auto response = client.readResponse();
    if (!response || response->status != 200 || h.upstream.requests().size() != before + 1) {
        return std::nullopt;
    }
    return h.upstream.requests().last();
}

} // namespace

// Per-route request edits and listeners: prefix stripping, a route on its own port, header
// overrides (both configuration forms) and header removal.
class tst_ProxyRoutes : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void prefixStripping_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("forwarded");
        QTest::newRow("below the prefix") << QByteArray("/prom/api/v1/write") << QByteArray("/api/v1/write");
        QTest::newRow("the prefix itself") << QByteArray("/prom") << QByteArray("/");
        QTest::newRow("prefix and query") << QByteArray("/prom?x=1") << QByteArray("/?x=1");
        QTest::newRow("other route keeps its path")
            << QByteArray("/query/api/v1/query") << QByteArray("/query/api/v1/query");
    }
    void prefixStripping()
    {
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, forwarded);
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.listenUpstream());
        ProxyRoute stripped = route(h, QStringLiteral("prom"), QStringLiteral("/prom/"));
        stripped.config.stripPrefix = true;
        h.options.routes = {route(h, QStringLiteral("query"), QStringLiteral("/query")), stripped};
        QVERIFY(h.start());
        const auto request = forward(h, h.port(), "GET " + path + " HTTP/1.1\r\nHost: p\r\n\r\n");
        QVERIFY(request);
        QCOMPARE(request->target, forwarded);
    }

    // A client that cannot add a path prefix (Prometheus remote_write ending in /api/v1/write)
    // uses the route's own port; the main port routes by path as before.
    void routeOnItsOwnPort()
    {
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.listenUpstream());
        ProxyRoute own = route(h, QStringLiteral("write"), QStringLiteral("/"));
        ProxyRoute main = route(h, QStringLiteral("default"), QStringLiteral("/"));
        main.config.overrideRequestHeaders = {{"X-Route", "main"}};
        own.config.overrideRequestHeaders = {{"X-Route", "write"}};
        // Port 0 means "none" in the configuration: the route gets a port free at this moment.
        own.config.listenPort = ServiceProcess::freePort();
        h.options.routes = {main, own};
        QVERIFY(h.start());
        QCOMPARE(h.proxy->routePort(1), own.config.listenPort);
        const auto viaOwnPort =
            forward(h, h.proxy->routePort(1),
                    "POST /api/v1/write HTTP/1.1\r\nHost: p\r\nContent-Length: 2\r\n\r\nok");
        QVERIFY(viaOwnPort);
        QCOMPARE(viaOwnPort->header("X-Route").value_or(""), QByteArray("write"));
        QCOMPARE(viaOwnPort->target, QByteArray("/api/v1/write"));
        const auto viaMainPort = forward(h, h.port(), "GET /api/v1/write HTTP/1.1\r\nHost: p\r\n\r\n");
        QVERIFY(viaMainPort);
        QCOMPARE(viaMainPort->header("X-Route").value_or(""), QByteArray("main"));
    }

    // A reload (ServiceRunner starts the next ProxyServer with the running one as donor) keeps a
    // route's own port open, even when the port now belongs to a route at another index, and an
    // idle kept-alive client on it moves to the new generation's route.
    void routePortSurvivesAReload()
    {
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.listenUpstream());
        ProxyRoute own = route(h, QStringLiteral("write"), QStringLiteral("/"));
        ProxyRoute main = route(h, QStringLiteral("default"), QStringLiteral("/"));
        own.config.overrideRequestHeaders = {{"X-Generation", "1"}};
        own.config.listenPort = ServiceProcess::freePort();
        h.options.routes = {main, own};
        QVERIFY(h.start());
        const quint16 routePort = h.proxy->routePort(1);
        const quint16 mainPort = h.port();

        // Destroyed in reverse: the client closes before either proxy stops.
        std::unique_ptr<proxy::ProxyServer> successor;
        ProxyTestClient client;
        QVERIFY(client.connectTo(routePort));
        const QByteArray request = "GET /api/v1/write HTTP/1.1\r\nHost: p\r\n\r\n";
        client.send(request);
        auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(h.upstream.requests().last().header("X-Generation").value_or(""), QByteArray("1"));

        proxy::ProxyOptions next = h.options;
        own.config.overrideRequestHeaders = {{"X-Generation", "2"}};
        next.routes = {own, main};
        successor = std::make_unique<proxy::ProxyServer>(next, h.clock);
        const auto started = successor->start(h.proxy.get());
        QVERIFY2(started, started ? "" : qPrintable(started.error()));
        QCOMPARE(successor->routePort(0), routePort);
        QCOMPARE(successor->port(), mainPort);
        QCOMPARE(h.proxy->routePort(1), quint16{0});

        bool drained = false;
        h.proxy->drain([&drained] { drained = true; }, successor.get());
        QTRY_VERIFY_WITH_TIMEOUT(drained, 30'000);
        QVERIFY(client.isConnected());
        client.send(request);
        response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(h.upstream.requests().last().header("X-Generation").value_or(""), QByteArray("2"));
        const auto fresh = forward(h, routePort, request);
        QVERIFY(fresh);
        QCOMPARE(fresh->header("X-Generation").value_or(""), QByteArray("2"));
    }

    void headerOverridesAndRemoval_data()
    {
        QTest::addColumn<QString>("overrides");
        QTest::newRow("Name: value form") << QStringLiteral("X-Tenant: contoso; X-Scope-OrgID: team-a");
        QTest::newRow("the original's JSON form")
            << QStringLiteral(R"({"X-Tenant": "contoso", "X-Scope-OrgID": "team-a"})");
    }
    void headerOverridesAndRemoval()
    {
        QFETCH(QString, overrides);
        const auto parsed = parseHeaderOverrides(overrides);
        QVERIFY(parsed);
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.listenUpstream());
        ProxyRoute edited = route(h, QStringLiteral("default"), QStringLiteral("/"));
        edited.config.overrideRequestHeaders = *parsed;
        edited.config.removeRequestHeaders = {"X-Debug", "Cookie"};
        h.options.routes = {edited};
        QVERIFY(h.start());
        const auto request =
            forward(h, h.port(),
                    "GET / HTTP/1.1\r\nHost: p\r\nx-tenant: fabrikam\r\nX-Debug: 1\r\n"
                    "Cookie: a=b\r\nX-Keep: yes\r\nAuthorization: Bearer from-client\r\n\r\n");
        QVERIFY(request);
        QCOMPARE(request->headerCount("X-Tenant"), 1);
        QCOMPARE(request->header("X-Tenant").value_or(""), QByteArray("contoso"));
        QCOMPARE(request->header("X-Scope-OrgID").value_or(""), QByteArray("team-a"));
        QVERIFY(!request->header("X-Debug"));
        QVERIFY(!request->header("Cookie"));
        QCOMPARE(request->header("X-Keep").value_or(""), QByteArray("yes"));
        QCOMPARE(request->headerCount("Authorization"), 1);
        QCOMPARE(request->header("Authorization").value_or(""), ProxyTestHarness::tokenHeaderValue());
    }
};

QTEST_GUILESS_MAIN(tst_ProxyRoutes)
#include "tst_ProxyRoutes.moc"
