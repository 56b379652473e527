#pragma once

#include <QLatin1String>
#include <QString>

namespace aap::ipc {

// An error answer: a stable code for programs and a plain-words message for people.
struct ControlError {
    QString code;
    QString message;

    friend bool operator==(const ControlError &, const ControlError &) = default;
};

// The error codes the protocol defines (docs/control-protocol.md).
namespace errors {
inline constexpr QLatin1String kBadFrame{"bad_frame"};     // unusable framing; the peer closes
inline constexpr QLatin1String kBadMessage{"bad_message"}; // not a JSON object / wrong field types
inline constexpr QLatin1String kUnsupportedVersion{"unsupported_version"}; // unknown major; the server closes
inline constexpr QLatin1String kHelloRequired{"hello_required"};           // a request before hello
inline constexpr QLatin1String kUnknownType{"unknown_type"}; // a request type this side does not know
inline constexpr QLatin1String kPermissionDenied{"permission_denied"}; // a write operation from a reader
inline constexpr QLatin1String kInvalidConfig{"invalid_config"};       // config.apply refused by validation
inline constexpr QLatin1String kFailed{"failed"};                      // the operation ran and failed
inline constexpr QLatin1String kUnavailable{"unavailable"};            // not offered by this service
inline constexpr QLatin1String kBusy{"busy"};                 // the same operation is already running
inline constexpr QLatin1String kDisconnected{"disconnected"}; // client side: the connection went away
inline constexpr QLatin1String kTimeout{"timeout"};           // client side: no answer in time
} // namespace errors

} // namespace aap::ipc
