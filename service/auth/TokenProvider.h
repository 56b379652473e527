#pragma once

#include "auth/AccessToken.h"
#include "auth/TokenError.h"
#include "core/Expected.h"

#include <QObject>
#include <QString>

#include <functional>

namespace aap::auth {

// One source of tokens (IMDS, Arc, App Service, Entra client credentials, workload identity, the
// default chain). Lives on the token thread; one fetch at a time. The refresh scheduler decides
// when to call fetch(); providers never retry on their own.
class TokenProvider : public QObject {
    Q_OBJECT

public:
    using Result = Expected<AccessToken, TokenError>;
    using Completion = std::function<void(Result)>;

    using QObject::QObject;

    // Starts one acquisition for resource (the audience without "/.default"); calls done exactly
    // once, on this object's thread, unless the provider is destroyed first.
    virtual void fetch(const QString &resource, Completion done) = 0;

    // "imds (user-assigned, client_id=...)" etc. for logs, /ready and the control socket.
    [[nodiscard]] virtual QString describe() const = 0;
};

} // namespace aap::auth
