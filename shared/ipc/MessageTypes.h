#pragma once

#include <QLatin1String>

namespace aap::ipc::types {

// Request types (client -> service); each answer repeats the request's type and id.
inline constexpr QLatin1String kHello{"hello"};
inline constexpr QLatin1String kStatus{"status"};
inline constexpr QLatin1String kSubscribe{"subscribe"};
inline constexpr QLatin1String kUnsubscribe{"unsubscribe"};
inline constexpr QLatin1String kConfigGet{"config.get"};
inline constexpr QLatin1String kConfigValidate{"config.validate"};
inline constexpr QLatin1String kConfigApply{"config.apply"};
inline constexpr QLatin1String kRefresh{"refresh"};
inline constexpr QLatin1String kDiagnose{"diagnose"};

// Push types (service -> client, no id).
inline constexpr QLatin1String kStatusPush{"status.push"};

} // namespace aap::ipc::types
