#pragma once

#include "auth/TokenError.h"
#include "status/TokenStatus.h"

#include <QDateTime>

namespace aap::auth {

// A fetch error as token status, the control socket and the diagnosis report it.
class TokenErrorStatus {
public:
    // "transport", "timeout", "http", "malformed", "local_file", "config", "identity".
    [[nodiscard]] static QString kindName(TokenError::Kind kind);
    [[nodiscard]] static status::TokenErrorInfo info(const TokenError &error, const QDateTime &at);
};

} // namespace aap::auth
