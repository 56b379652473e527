#include "auth/providers/EndpointVariable.h"

namespace aap::auth {

Expected<QUrl, QString> EndpointVariable::read(const QProcessEnvironment &environment, const char *name)
{
    const QString value = environment.value(QLatin1String(name)).trimmed();
    if (value.isEmpty()) {
        return QUrl();
    }
    const QUrl url(value.contains(QLatin1String("://")) ? value : QStringLiteral("http://") + value,
                   QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || url.host().isEmpty() ||
        (scheme != QLatin1String("http") && scheme != QLatin1String("https")) || url.hasFragment() ||
        !url.userInfo().isEmpty()) {
        return Unexpected(
            QStringLiteral("%1='%2' is not an http(s) URL with a host name").arg(QLatin1String(name), value));
    }
    return url;
}

QList<const char *> EndpointVariable::managedIdentityVariables()
{
    return {"IDENTITY_ENDPOINT", "IMDS_ENDPOINT", "AZURE_POD_IDENTITY_AUTHORITY_HOST"};
}

} // namespace aap::auth
