#pragma once

#include <QString>

#include <chrono>
#include <optional>

namespace aap::auth {

// Why a token fetch failed. Carries the service's error code and description, never a secret.
struct TokenError {
    enum class Kind {
        Transport, // connect/TLS/reset
        Timeout,   // no complete answer in time
        Http,      // non-2xx status from the token service
        Malformed, // 2xx but not a usable token response (bad JSON, HTML, missing fields, too big)
        LocalFile, // certificate, key, secret file, federated token file, Arc key file
        Config,    // nothing to try (e.g. no credential found by the default chain)
        Identity,  // the answer is for another identity than asked (Arc user-assigned)
    };
    Kind kind = Kind::Transport;
    int httpStatus = 0;
    QString code;        // "invalid_client", "bad_request_102", ...
    QString description; // operator-facing; no secrets
    std::optional<std::chrono::seconds> retryAfter;
    bool retryable = true; // false for e.g. IMDS 400 invalid_resource, Entra invalid_client
};

} // namespace aap::auth
