#pragma once

#include "auth/TokenStore.h"
#include "proxy/ProxyServer.h"
#include "support/FakeClock.h"
#include "support/FakeUpstream.h"

#include <QByteArray>

#include <memory>

namespace aap::test {

// The pieces most proxy tests need: a fake clock, one token store, a fake upstream on 127.0.0.1 and
// a ProxyServer (2 workers, short time-outs) routing "/" to it. Tests adjust `options` before start().
class ProxyTestHarness {
public:
    ProxyTestHarness();
    ~ProxyTestHarness();
    ProxyTestHarness(const ProxyTestHarness &) = delete;
    ProxyTestHarness &operator=(const ProxyTestHarness &) = delete;
    ProxyTestHarness(ProxyTestHarness &&) = delete;
    ProxyTestHarness &operator=(ProxyTestHarness &&) = delete;

    // A target pointing at `upstream` (plain http unless tls).
    [[nodiscard]] config::TargetUrl upstreamTarget(bool tls = false) const;
    // Publishes a token usable for an hour. The value is a test constant, not a secret.
    void publishToken();
    // Starts the proxy; false (with a QWARN-visible message) on failure.
    bool start();
    [[nodiscard]] quint16 port() const { return proxy->port(); }
    [[nodiscard]] const proxy::ProxyCounters &counters() const { return proxy->counters(); }

    static QByteArray tokenHeaderValue() { return QByteArrayLiteral("Bearer test-token-0123456789"); }

    FakeClock clock;
    auth::TokenStore store;
    FakeUpstream upstream;
    proxy::ProxyOptions options;
    std::unique_ptr<proxy::ProxyServer> proxy;
};

} // namespace aap::test
