#include "proxy/DeadlineExpiry.h"

#include "proxy/ProxyOptions.h"

namespace aap::proxy {

namespace {

using Action = DeadlineExpiry::Action;
using Verdict = DeadlineExpiry::Verdict;

qint64 ms(std::chrono::milliseconds duration)
{
    return duration.count();
}

Verdict fail(Failure failure, QString message)
{
    return {Action::Fail, failure, std::move(message), false};
}

} // namespace

Verdict DeadlineExpiry::of(Deadline deadline, const DeadlineFacts &facts, const ProxyOptions &options)
{
    const auto &limits = options.limits;
    switch (deadline) {
    case Deadline::None:
    case Deadline::ClientIdle:
        return {};
    case Deadline::ClientHeader: {
        // The partial head cannot be completed into a request any more.
        auto verdict = fail(
            Failure::ClientHeaderTimeout,
            QStringLiteral("the request head did not arrive within %1 ms").arg(ms(limits.headerTimeout)));
        verdict.closeConnection = true;
        return verdict;
    }
    case Deadline::TokenWait:
        return fail(Failure::NoToken,
                    QStringLiteral("no access token for route %1 is available yet (waited %2 ms)")
                        .arg(facts.routeName)
                        .arg(ms(limits.tokenWaitTimeout)));
    case Deadline::BodyIdle:
        return bodyIdle(facts, options);
    default:
        return upstream(deadline, facts, options);
    }
}

Verdict DeadlineExpiry::upstream(Deadline deadline, const DeadlineFacts &facts, const ProxyOptions &options)
{
    const auto &upstream = options.upstream;
    if (deadline == Deadline::Connect && !facts.upstreamAssigned) {
        // Queued behind busy connections: the target is not at fault, this proxy's pool is full.
        return fail(Failure::PoolExhausted,
                    QStringLiteral("all %1 connections to the target %2 stayed busy for %3 ms")
                        .arg(upstream.maxConnectionsPerWorker)
                        .arg(facts.targetHost)
                        .arg(ms(upstream.connectTimeout)));
    }
    if (deadline == Deadline::Connect) {
        return fail(Failure::UpstreamTimeout,
                    QStringLiteral("connecting to the target %1 timed out after %2 ms")
                        .arg(facts.targetHost)
                        .arg(ms(upstream.connectTimeout)));
    }
    if (deadline == Deadline::TlsHandshake) {
        return fail(Failure::UpstreamTimeout,
                    QStringLiteral("the TLS handshake with the target %1 timed out after %2 ms")
                        .arg(facts.targetHost)
                        .arg(ms(upstream.tlsHandshakeTimeout)));
    }
    return fail(Failure::UpstreamTimeout, QStringLiteral("the target sent no response head within %1 ms")
                                              .arg(ms(upstream.responseHeadersTimeout)));
}

Verdict DeadlineExpiry::bodyIdle(const DeadlineFacts &facts, const ProxyOptions &options)
{
    const auto idle = ms(options.upstream.idleBodyTimeout);
    if (facts.responseHeadRelayed) {
        return {Action::CutResponse, Failure::UpstreamTimeout, {}, true};
    }
    if (!facts.requestBodyDone && !facts.targetHoldsBody) {
        return fail(Failure::ClientBodyStalled,
                    QStringLiteral("the request body stalled for %1 ms").arg(idle));
    }
    return fail(Failure::UpstreamTimeout,
                QStringLiteral("the target stopped reading the request body for %1 ms").arg(idle));
}

QString DeadlineExpiry::bodyTooSlow(quint64 received, std::chrono::milliseconds elapsed,
                                    const ProxyOptions &options)
{
    const auto &limits = options.limits;
    return QStringLiteral("the request body arrived too slowly (%1 bytes in %2 ms; the limit is %3 ms plus a "
                          "second per %4 bytes)")
        .arg(received)
        .arg(ms(elapsed))
        .arg(ms(limits.requestBodyTimeout))
        .arg(limits.requestBodyMinRate);
}

} // namespace aap::proxy
