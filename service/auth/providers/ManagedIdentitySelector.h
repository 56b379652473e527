#pragma once

#include "auth/TokenError.h"
#include "config/ServiceConfig.h"
#include "core/Expected.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace aap::auth {

// Which managed identity to ask for: system-assigned, or a user-assigned one named by exactly one
// of client id, object (principal) id or ARM resource id. Identifiers are not secrets.
struct ManagedIdentitySelector {
    enum class Kind { SystemAssigned, ClientId, ObjectId, ResourceId };
    Kind kind = Kind::SystemAssigned;
    QString value;

    // SystemAssigned ignores ids; UserAssigned needs exactly one of clientId / objectId / resourceId;
    // Default (no chain in front) is user-assigned by client id when one is set.
    [[nodiscard]] static Expected<ManagedIdentitySelector, TokenError>
    fromConfig(const config::IdentityConfig &identity);

    // How one token endpoint spells each way of naming a user-assigned identity in its query (IMDS
    // and App Service differ for object and resource ids).
    struct QueryNames {
        QByteArrayView clientId;
        QByteArrayView objectId;
        QByteArrayView resourceId;
    };

    [[nodiscard]] bool isUserAssigned() const { return kind != Kind::SystemAssigned; }
    // "&<name>=<percent-encoded id>" for a user-assigned identity, "" for system-assigned.
    [[nodiscard]] QByteArray queryParameter(const QueryNames &names) const;
    // "system-assigned" / "user-assigned, client_id=..." for describe() and logs.
    [[nodiscard]] QString describe() const;
};

} // namespace aap::auth
