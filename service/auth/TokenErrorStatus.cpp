#include "auth/TokenErrorStatus.h"

namespace aap::auth {

QString TokenErrorStatus::kindName(TokenError::Kind kind)
{
    switch (kind) {
    case TokenError::Kind::Transport:
        return QStringLiteral("transport");
    case TokenError::Kind::Timeout:
        return QStringLiteral("timeout");
    case TokenError::Kind::Http:
        return QStringLiteral("http");
    case TokenError::Kind::Malformed:
        return QStringLiteral("malformed");
    case TokenError::Kind::LocalFile:
        return QStringLiteral("local_file");
    case TokenError::Kind::Config:
        return QStringLiteral("config");
    case TokenError::Kind::Identity:
        return QStringLiteral("identity");
    }
    return QStringLiteral("unknown");
}

status::TokenErrorInfo TokenErrorStatus::info(const TokenError &error, const QDateTime &at)
{
    return status::TokenErrorInfo{kindName(error.kind), error.httpStatus, error.code, error.description, at};
}

} // namespace aap::auth
