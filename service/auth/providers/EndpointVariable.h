#pragma once

#include "core/Expected.h"

#include <QList>
#include <QProcessEnvironment>
#include <QString>
#include <QUrl>

namespace aap::auth {

// A managed-identity endpoint named by an environment variable (IDENTITY_ENDPOINT, IMDS_ENDPOINT,
// AZURE_POD_IDENTITY_AUTHORITY_HOST). The SDKs read these as URLs; a bare host[:port] is taken as
// http://host[:port], as people write it for the pod-identity host.
class EndpointVariable {
public:
    // An empty QUrl when the variable is unset; an error naming the variable when it is not a usable
    // http(s) URL with a host.
    [[nodiscard]] static Expected<QUrl, QString> read(const QProcessEnvironment &environment,
                                                      const char *name);

    // The variables the managed-identity sources read, in the order they are checked.
    [[nodiscard]] static QList<const char *> managedIdentityVariables();
};

} // namespace aap::auth
