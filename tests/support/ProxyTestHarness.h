#pragma once

#include "auth/TokenStore.h"
#include "protocol/TestPki.h"
#include "proxy/ProxyServer.h"
#include "support/FakeClock.h"
#include "support/FakeUpstream.h"
#include "support/ProxyTestClient.h"

#include <QByteArray>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace aap::test {

// The pieces most proxy tests need: a fake clock, one token store, a fake upstream on 127.0.0.1 and
// a ProxyServer (2 workers, short time-outs) routing "/" to it. Tests adjust `options` before start().
// With AAP_TEST_UPSTREAM_TLS=1 in the environment the upstream speaks TLS with a test CA the proxy
// trusts, so the same suite exercises the TLS path.
class ProxyTestHarness {
public:
    ProxyTestHarness();
    ~ProxyTestHarness();
    ProxyTestHarness(const ProxyTestHarness &) = delete;
    ProxyTestHarness &operator=(const ProxyTestHarness &) = delete;
    ProxyTestHarness(ProxyTestHarness &&) = delete;
    ProxyTestHarness &operator=(ProxyTestHarness &&) = delete;

    // A target pointing at `upstream` in the harness's mode (host 127.0.0.1, which the test
    // certificate also names).
    [[nodiscard]] config::TargetUrl upstreamTarget() const;
    // A target pointing at `upstream`: https://localhost:port when tls, else http://127.0.0.1:port.
    [[nodiscard]] config::TargetUrl upstreamTarget(bool tls) const;
    // Starts `upstream` in the harness's mode (start() does it when nobody did).
    bool listenUpstream();
    // The only route goes to a test server of the test's own on 127.0.0.1:port (one that answers
    // with raw bytes, or not at all), instead of `upstream`.
    void routeTo(quint16 port, bool tls = false);
    [[nodiscard]] bool upstreamUsesTls() const { return m_pki != nullptr; }
    // Publishes a token usable for an hour. The value is a test constant, not a secret.
    void publishToken();
    // Starts the proxy; false (with a QWARN-visible message) on failure.
    bool start();
    [[nodiscard]] quint16 port() const { return proxy->port(); }
    // A new client connected to the started proxy (check isConnected()); the harness owns it and
    // closes it before the proxy stops.
    [[nodiscard]] ProxyTestClient &connectedClient();
    // The documented local error: `status`, a JSON body {"error":{"code":<code>,"message":...}},
    // and never the token.
    static void verifyError(const std::optional<ProxyTestClient::Response> &response, int status,
                            const char *code);
    [[nodiscard]] const proxy::ProxyCounters &counters() const { return proxy->counters(); }
    // Data-path deadlines read the fake clock: this moves it on by `step` until `done` holds,
    // letting the workers' sweep (at most every 250 ms) see each step. A step that came before the
    // proxy set its deadline is followed by another, so the test need not know when that was.
    // False if `done` never held within `steps` steps.
    bool advanceUntil(const std::function<bool()> &done, Clock::Duration step, int steps = 20);
    // advanceUntil() the client has received something or was closed.
    bool advanceUntilAnswered(ProxyTestClient &client, Clock::Duration step);

    static QByteArray tokenHeaderValue() { return QByteArrayLiteral("Bearer test-token-0123456789"); }

    FakeClock clock;
    auth::TokenStore store;
    FakeUpstream upstream;
    proxy::ProxyOptions options;
    std::unique_ptr<proxy::ProxyServer> proxy;

private:
    std::unique_ptr<TestPki> m_pki; // only in TLS mode
    std::vector<std::unique_ptr<ProxyTestClient>> m_clients;
};

} // namespace aap::test
