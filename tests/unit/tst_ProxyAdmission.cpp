#include "http/RequestHeadParser.h"
#include "inbound/InboundGuard.h"
#include "proxy/Admission.h"
#include "proxy/ProxyOptions.h"
#include "proxy/RouteTable.h"

#include <QTest>

using namespace aap;
using aap::proxy::Admission;
using aap::proxy::AdmissionContext;

namespace {

const QString kKey = QStringLiteral("key-a-0123456789abcdef");

http::RequestHead parsed(const QByteArray &head)
{
    http::RequestHeadParser parser;
    http::RequestHead request;
    const auto result = parser.parse(head, request);
    Q_ASSERT(result.status == http::ParseStatus::Complete);
    return request;
}

proxy::ProxyRoute route(const char *prefix, const char *scheme, const char *host, quint16 port)
{
    proxy::ProxyRoute route;
    route.config.pathPrefix = QString::fromLatin1(prefix);
    route.config.target.scheme = QString::fromLatin1(scheme);
    route.config.target.host = QString::fromLatin1(host);
    route.config.target.port = port;
    return route;
}

// What a decision says, in one comparable word: "health", "rejected 401", "refused 421", "route 1".
QByteArray describe(const Admission::Decision &decision)
{
    if (const auto *local = std::get_if<Admission::Local>(&decision)) {
        switch (local->endpoint) {
        case Admission::LocalEndpoint::Health:
            return "health";
        case Admission::LocalEndpoint::Ready:
            return "ready";
        case Admission::LocalEndpoint::Metrics:
            return "metrics";
        }
    }
    if (const auto *rejected = std::get_if<Admission::Rejected>(&decision)) {
        return "rejected " + QByteArray::number(rejected->rejection.status);
    }
    if (const auto *refused = std::get_if<Admission::Refused>(&decision)) {
        const auto spec = proxy::FailureTable::of(refused->failure);
        return "refused " + QByteArray::number(spec.status) + ' ' + spec.code.toByteArray();
    }
    return "route " + QByteArray::number(std::get<Admission::Forward>(decision).route);
}

} // namespace

class tst_ProxyAdmission : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_options = proxy::ProxyOptions{};
        m_options.listener.address = QHostAddress(QStringLiteral("192.0.2.9"));
        m_options.listener.port = 8081;
        m_options.routes = {route("/api", "http", "api.internal", 8080),
                            route("/prom", "https", "Prom.Example", 443)};
        m_routes = std::make_unique<proxy::RouteTable>(QList<QByteArray>{"/api", "/prom"});
        m_context = AdmissionContext{};
        m_context.options = &m_options;
        m_context.routes = m_routes.get();
        m_context.guard = &m_openGuard;
        m_context.localPort = 8081;
        m_context.localAddress = QHostAddress(QStringLiteral("192.0.2.7"));
    }

    void decides_data()
    {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<QByteArray>("expected");
        const auto get = [](const char *target) -> QByteArray {
            return QByteArray("GET ") + target + " HTTP/1.1\r\nHost: proxy\r\n\r\n";
        };
        QTest::newRow("health") << get("/health") << QByteArray("health");
        QTest::newRow("ready with a query") << get("/ready?verbose=1") << QByteArray("ready");
        QTest::newRow("head of health")
            << QByteArray("HEAD /health HTTP/1.1\r\nHost: p\r\n\r\n") << QByteArray("health");
        QTest::newRow("metrics not served: routed") << get("/metrics") << QByteArray("refused 404 no_route");
        QTest::newRow("route by prefix") << get("/prom/query?q=up") << QByteArray("route 1");
        QTest::newRow("no route") << get("/other") << QByteArray("refused 404 no_route");
        QTest::newRow("health below a prefix is not local") << get("/api/health") << QByteArray("route 0");
        QTest::newRow("dot-segments climb above the prefix")
            << get("/api/../admin") << QByteArray("refused 400 path_escapes_route");
        QTest::newRow("encoded dot-segments")
            << get("/api/%2e%2e/admin") << QByteArray("refused 400 path_escapes_route");
        QTest::newRow("dot-segments inside the route") << get("/api/a/../b") << QByteArray("route 0");
        QTest::newRow("absolute: localhost on the listener port")
            << get("http://localhost:8081/api/x") << QByteArray("route 0");
        QTest::newRow("absolute: loopback address")
            << get("http://127.0.0.1:8081/api") << QByteArray("route 0");
        QTest::newRow("absolute: IPv6 loopback") << get("http://[::1]:8081/api") << QByteArray("route 0");
        QTest::newRow("absolute: the connection's local address")
            << get("http://192.0.2.7:8081/api") << QByteArray("route 0");
        QTest::newRow("absolute: the configured listener address")
            << get("http://192.0.2.9:8081/api") << QByteArray("route 0");
        QTest::newRow("absolute: another port")
            << get("http://localhost:9999/api") << QByteArray("refused 421 misdirected_request");
        QTest::newRow("absolute: default port is not ours")
            << get("http://localhost/api") << QByteArray("refused 421 misdirected_request");
        QTest::newRow("absolute: another host")
            << get("http://elsewhere.example/api") << QByteArray("refused 421 misdirected_request");
        QTest::newRow("absolute: the route's target")
            << get("http://api.internal:8080/api/x") << QByteArray("route 0");
        QTest::newRow("absolute: target name in any case, default https port")
            << get("http://prom.example:443/prom") << QByteArray("route 1");
        QTest::newRow("absolute: another route's target")
            << get("http://api.internal:8080/prom") << QByteArray("refused 421 misdirected_request");
        QTest::newRow("absolute: misdirected comes before no route")
            << get("http://elsewhere.example/other") << QByteArray("refused 421 misdirected_request");
        QTest::newRow("absolute: ours but no route")
            << get("http://localhost:8081/other") << QByteArray("refused 404 no_route");
    }
    void decides()
    {
        QFETCH(QByteArray, head);
        QFETCH(QByteArray, expected);
        QCOMPARE(describe(Admission::decide(parsed(head), m_context)), expected);
    }

    void metricsWhenServed()
    {
        m_options.telemetry.metricsText = [] { return QByteArray(); };
        QCOMPARE(describe(Admission::decide(parsed("GET /metrics HTTP/1.1\r\nHost: p\r\n\r\n"), m_context)),
                 QByteArray("metrics"));
    }

    void fixedRouteIgnoresThePath()
    {
        m_context.fixedRoute = 1;
        QCOMPARE(describe(Admission::decide(parsed("GET /other HTTP/1.1\r\nHost: p\r\n\r\n"), m_context)),
                 QByteArray("route 1"));
    }

    void apiKeys_data()
    {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<QByteArray>("expected");
        const QByteArray key = "X-Api-Key: " + kKey.toLatin1() + "\r\n";
        QTest::newRow("no key") << QByteArray("GET /api HTTP/1.1\r\nHost: p\r\n\r\n")
                                << QByteArray("rejected 401");
        QTest::newRow("key") << "GET /api HTTP/1.1\r\nHost: p\r\n" + key + "\r\n" << QByteArray("route 0");
        QTest::newRow("health needs no key")
            << QByteArray("GET /health HTTP/1.1\r\nHost: p\r\n\r\n") << QByteArray("health");
        QTest::newRow("ready needs no key")
            << QByteArray("GET /ready HTTP/1.1\r\nHost: p\r\n\r\n") << QByteArray("ready");
        QTest::newRow("metrics needs a key")
            << QByteArray("GET /metrics HTTP/1.1\r\nHost: p\r\n\r\n") << QByteArray("rejected 401");
        QTest::newRow("rejection comes before no route")
            << QByteArray("GET /other HTTP/1.1\r\nHost: p\r\n\r\n") << QByteArray("rejected 401");
    }
    void apiKeys()
    {
        QFETCH(QByteArray, head);
        QFETCH(QByteArray, expected);
        const inbound::InboundGuard guard(config::InboundAuthConfig{}, {config::Secret(kKey)});
        m_context.guard = &guard;
        m_options.telemetry.metricsText = [] { return QByteArray(); };
        QCOMPARE(describe(Admission::decide(parsed(head), m_context)), expected);
    }

    void peerRejectionCoversEverything()
    {
        m_context.peerRejection = inbound::InboundRejection{403, "forbidden", QStringLiteral("not allowed")};
        for (const char *path : {"/health", "/ready", "/api", "/other"}) {
            const QByteArray head = QByteArray("GET ") + path + " HTTP/1.1\r\nHost: p\r\n\r\n";
            QCOMPARE(describe(Admission::decide(parsed(head), m_context)), QByteArray("rejected 403"));
        }
    }

private:
    proxy::ProxyOptions m_options;
    std::unique_ptr<proxy::RouteTable> m_routes;
    const inbound::InboundGuard m_openGuard{config::InboundAuthConfig{}, {}};
    AdmissionContext m_context;
};

QTEST_GUILESS_MAIN(tst_ProxyAdmission)
#include "tst_ProxyAdmission.moc"
