#include "support/ProxyTestHarness.h"

#include <QDebug>
#include <QTest>

using namespace std::chrono_literals;

namespace aap::test {

ProxyTestHarness::ProxyTestHarness()
{
    options.listener.address = QHostAddress(QHostAddress::LocalHost);
    options.listener.port = 0;
    options.workerThreads = 2;
    // The data path's deadlines read the fake clock, so they expire only when a test moves it
    // (advanceUntil()), however slow the machine.
    options.upstream.connectTimeout = 20s;
    options.upstream.tlsHandshakeTimeout = 20s;
    options.upstream.responseHeadersTimeout = 30s;
    options.upstream.idleBodyTimeout = 30s;
    options.limits.headerTimeout = 5s;
    options.limits.clientIdleTimeout = 30s;
    options.limits.tokenWaitTimeout = 5s;
    options.limits.drainTimeout = 5s;
    if (qEnvironmentVariable("AAP_TEST_UPSTREAM_TLS") == QLatin1String("1")) {
        m_pki = std::make_unique<TestPki>();
        options.upstream.caBundlePath = m_pki->caCertificatePath();
    }
}

ProxyTestHarness::~ProxyTestHarness()
{
    m_clients.clear();
    proxy.reset();
}

bool ProxyTestHarness::advanceUntil(const std::function<bool()> &done, Clock::Duration step, int steps)
{
    for (int i = 0; i < steps; ++i) {
        if (done()) {
            return true;
        }
        clock.advance(step);
        // One sweep is at most 250 ms away; the answer then needs a few event loop passes.
        if (QTest::qWaitFor(done, 1000)) {
            return true;
        }
    }
    return done();
}

bool ProxyTestHarness::advanceUntilAnswered(ProxyTestClient &client, Clock::Duration step)
{
    return advanceUntil([&client] { return !client.pending().isEmpty() || !client.isConnected(); }, step);
}

ProxyTestClient &ProxyTestHarness::connectedClient()
{
    auto &client = m_clients.emplace_back(std::make_unique<ProxyTestClient>());
    client->connectTo(port());
    return *client;
}

void ProxyTestHarness::verifyError(const std::optional<ProxyTestClient::Response> &response, int status,
                                   const char *code)
{
    QVERIFY(response);
    QCOMPARE(response->status, status);
    QCOMPARE(response->header("Content-Type").value_or(""), QByteArray("application/json"));
    QVERIFY2(response->body.startsWith(QByteArray("{\"error\":{\"code\":\"" + QByteArray(code) + "\"")),
             response->body.constData());
    QVERIFY(response->body.contains("\"message\":\""));
    // Never the token.
    QVERIFY(!response->body.contains("test-token"));
}

config::TargetUrl ProxyTestHarness::upstreamTarget() const
{
    config::TargetUrl target = upstreamTarget(upstreamUsesTls());
    target.host = QStringLiteral("127.0.0.1");
    return target;
}

bool ProxyTestHarness::listenUpstream()
{
    return m_pki ? upstream.listen(m_pki->serverConfiguration()) : upstream.listen();
}

config::TargetUrl ProxyTestHarness::upstreamTarget(bool tls) const
{
    config::TargetUrl target;
    target.scheme = tls ? QStringLiteral("https") : QStringLiteral("http");
    // TLS needs the name the test certificate carries.
    target.host = tls ? QStringLiteral("localhost") : QStringLiteral("127.0.0.1");
    target.port = upstream.port();
    return target;
}

void ProxyTestHarness::routeTo(quint16 port, bool tls)
{
    proxy::ProxyRoute route;
    route.config.target = upstreamTarget(tls);
    route.config.target.port = port;
    route.store = &store;
    options.routes = {route};
}

void ProxyTestHarness::publishToken()
{
    store.publish(auth::TokenSnapshot{tokenHeaderValue(), clock.now() + 1h});
}

bool ProxyTestHarness::start()
{
    if (upstream.port() == 0 && !listenUpstream()) {
        qWarning() << "fake upstream cannot listen";
        return false;
    }
    if (options.routes.isEmpty()) {
        proxy::ProxyRoute route;
        route.config.target = upstreamTarget();
        route.store = &store;
        options.routes.append(route);
    }
    proxy = std::make_unique<proxy::ProxyServer>(options, clock);
    const auto started = proxy->start();
    if (!started) {
        qWarning().noquote() << "proxy start failed:" << started.error();
        return false;
    }
    return true;
}

} // namespace aap::test
