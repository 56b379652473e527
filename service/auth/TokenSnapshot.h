#pragma once

#include <QByteArray>

#include <chrono>

namespace aap::auth {

// What the data path needs of the current token: the ready-made header value and until when it
// may be used (expiry minus a safety margin). Immutable once published.
struct TokenSnapshot {
    QByteArray authorization; // "Bearer <token>"
    std::chrono::system_clock::time_point usableUntil;
};

} // namespace aap::auth
