#pragma once

#include <QByteArray>

#include <chrono>
#include <optional>

namespace aap::auth {

// A token as a provider returns it. The value is a secret: never log it.
struct AccessToken {
    using TimePoint = std::chrono::system_clock::time_point;
    QByteArray value;                   // the raw access token (without "Bearer ")
    TimePoint expiresOn;                // from expires_on, or now + expires_in
    std::optional<TimePoint> refreshOn; // from refresh_in, when the service sent it
    TimePoint obtainedAt;               // local time the response arrived
};

} // namespace aap::auth
