#pragma once

#include "proxy/FailureTable.h"

#include <QString>

#include <chrono>
#include <cstdint>

namespace aap::proxy {

struct ProxyOptions;

// The one deadline a client connection watches at a time.
enum class Deadline : std::uint8_t {
    None,
    ClientIdle,
    ClientHeader,
    TokenWait,
    Connect,
    TlsHandshake,
    ResponseHead,
    BodyIdle
};

// What the connection knows when its deadline passes; gathered only then.
struct DeadlineFacts {
    QString routeName;                // empty before a route was chosen
    QString targetHost;               // likewise
    bool upstreamAssigned = false;    // a connection to the target exists (else: queued in the pool)
    bool responseHeadRelayed = false; // only the connection can be cut now
    bool requestBodyDone = false;
    bool targetHoldsBody = false; // request body bytes wait unsent in the upstream socket
};

// Turns an expired deadline into what the connection does about it, with the status, code and
// counter from FailureTable and a message for the client and the log. Pure.
class DeadlineExpiry {
public:
    enum class Action {
        CloseIdle,   // nothing in progress: close quietly
        CutResponse, // the response body stalled after its head was relayed
        Fail,        // answer `failure` with `message`
    };
    struct Verdict {
        Action action = Action::CloseIdle;
        Failure failure = Failure::UpstreamTimeout;
        QString message;
        bool closeConnection = false; // nothing after the failed request can be trusted
    };

    [[nodiscard]] static Verdict of(Deadline deadline, const DeadlineFacts &facts,
                                    const ProxyOptions &options);
    // The 408 message for a request body that arrives slower than the limits allow.
    [[nodiscard]] static QString bodyTooSlow(quint64 received, std::chrono::milliseconds elapsed,
                                             const ProxyOptions &options);

private:
    [[nodiscard]] static Verdict upstream(Deadline deadline, const DeadlineFacts &facts,
                                          const ProxyOptions &options);
    [[nodiscard]] static Verdict bodyIdle(const DeadlineFacts &facts, const ProxyOptions &options);
};

} // namespace aap::proxy
