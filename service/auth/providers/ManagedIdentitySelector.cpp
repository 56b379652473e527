#include "auth/providers/ManagedIdentitySelector.h"

#include <QUrl>

namespace aap::auth {

Expected<ManagedIdentitySelector, TokenError>
ManagedIdentitySelector::fromConfig(const config::IdentityConfig &identity)
{
    using config::IdentityKind;
    ManagedIdentitySelector selector;
    if (identity.kind == IdentityKind::SystemAssigned) {
        return selector;
    }
    const int given = static_cast<int>(!identity.clientId.isEmpty()) +
                      static_cast<int>(!identity.objectId.isEmpty()) +
                      static_cast<int>(!identity.resourceId.isEmpty());
    if (given > 1) {
        TokenError error;
        error.kind = TokenError::Kind::Config;
        error.retryable = false;
        error.description =
            QStringLiteral("identity '%1': give only one of client id, object id or resource id")
                .arg(identity.name);
        return Unexpected(error);
    }
    if (!identity.clientId.isEmpty()) {
        selector = {Kind::ClientId, identity.clientId};
    } else if (!identity.objectId.isEmpty()) {
        selector = {Kind::ObjectId, identity.objectId};
    } else if (!identity.resourceId.isEmpty()) {
        selector = {Kind::ResourceId, identity.resourceId};
    } else if (identity.kind == IdentityKind::UserAssigned) {
        TokenError error;
        error.kind = TokenError::Kind::Config;
        error.retryable = false;
        error.description = QStringLiteral("identity '%1': user-assigned managed identity needs a client id, "
                                           "object id or resource id")
                                .arg(identity.name);
        return Unexpected(error);
    }
    return selector;
}

QByteArray ManagedIdentitySelector::queryParameter(const QueryNames &names) const
{
    QByteArrayView name;
    switch (kind) {
    case Kind::SystemAssigned:
        return {};
    case Kind::ClientId:
        name = names.clientId;
        break;
    case Kind::ObjectId:
        name = names.objectId;
        break;
    case Kind::ResourceId:
        name = names.resourceId;
        break;
    }
    return '&' + name.toByteArray() + '=' + QUrl::toPercentEncoding(value);
}

QString ManagedIdentitySelector::describe() const
{
    switch (kind) {
    case Kind::SystemAssigned:
        return QStringLiteral("system-assigned");
    case Kind::ClientId:
        return QStringLiteral("user-assigned, client_id=") + value;
    case Kind::ObjectId:
        return QStringLiteral("user-assigned, object_id=") + value;
    case Kind::ResourceId:
        return QStringLiteral("user-assigned, resource_id=") + value;
    }
    return {};
}

} // namespace aap::auth
