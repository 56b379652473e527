#pragma once

#include "status/TokenStatus.h"

#include <QString>

namespace aap::control {

// Turns a failed token acquisition into plain words for an administrator: what went wrong and what
// to do. Used by the status answer and the diagnosis. Never quotes a secret (the inputs hold none).
class TokenErrorText {
public:
    [[nodiscard]] static QString explain(const status::TokenErrorInfo &error);
};

} // namespace aap::control
