#include "auth/providers/Authority.h"

#include <algorithm>

namespace aap::auth {

namespace {

bool isTenantCharacter(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'-' ||
           c == u'.';
}

} // namespace

Expected<Authority, QString> Authority::resolve(const config::IdentityConfig &identity,
                                                const QProcessEnvironment &environment)
{
    if (!identity.authorityHost.isEmpty())
        return fromHost(identity.authorityHost.toString());
    const QString fromEnvironment = environment.value(QStringLiteral("AZURE_AUTHORITY_HOST")).trimmed();
    if (!fromEnvironment.isEmpty()) {
        auto authority = fromHost(fromEnvironment);
        if (!authority)
            return Unexpected(QString(QStringLiteral("AZURE_AUTHORITY_HOST: ") + authority.error()));
        return authority;
    }
    return forCloud(identity.cloud);
}

Expected<Authority, QString> Authority::fromHost(const QString &host)
{
    const QString text = host.trimmed();
    if (text.isEmpty())
        return Unexpected(QStringLiteral("authority host is empty"));
    // A bare "login.microsoftonline.us" has no scheme; QUrl would read it as a relative path.
    const QUrl url(text.contains(QStringLiteral("://")) ? text : QStringLiteral("https://") + text,
                   QUrl::StrictMode);
    if (!url.isValid())
        return Unexpected(QStringLiteral("authority host '%1' is not a valid URL").arg(text));
    if (url.scheme().compare(QStringLiteral("https"), Qt::CaseInsensitive) != 0)
        return Unexpected(QStringLiteral("authority host '%1' must use https (scheme '%2' refused: client "
                                         "secrets and assertions are never sent in clear text)")
                              .arg(text, url.scheme()));
    if (url.host().isEmpty())
        return Unexpected(QStringLiteral("authority host '%1' has no host name").arg(text));
    if (!url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment())
        return Unexpected(
            QStringLiteral("authority host '%1' must not carry user info, a query or a fragment").arg(text));
    QUrl normalised;
    normalised.setScheme(QStringLiteral("https"));
    normalised.setHost(url.host());
    // The token URL is also the assertion's aud, which Entra compares as a string: drop a default port.
    if (url.port() != 443)
        normalised.setPort(url.port());
    QString path = url.path();
    while (path.endsWith(u'/'))
        path.chop(1);
    normalised.setPath(path);
    return Authority(normalised);
}

Authority Authority::forCloud(config::Cloud cloud)
{
    QUrl url;
    url.setScheme(QStringLiteral("https"));
    switch (cloud) {
    case config::Cloud::Public:
        url.setHost(QStringLiteral("login.microsoftonline.com"));
        break;
    case config::Cloud::UsGovernment:
        url.setHost(QStringLiteral("login.microsoftonline.us"));
        break;
    case config::Cloud::China:
        url.setHost(QStringLiteral("login.partner.microsoftonline.cn"));
        break;
    }
    return Authority(url);
}

Expected<QUrl, QString> Authority::tokenUrl(const QString &tenant) const
{
    if (tenant.isEmpty())
        return Unexpected(QStringLiteral("tenant id is empty"));
    if (!std::all_of(tenant.cbegin(), tenant.cend(), isTenantCharacter))
        return Unexpected(
            QStringLiteral("tenant id '%1' may only contain letters, digits, '-' and '.'").arg(tenant));
    QUrl url = m_host;
    url.setPath(m_host.path() + u'/' + tenant + QStringLiteral("/oauth2/v2.0/token"));
    return url;
}

QString Authority::scopeFor(const QString &resource)
{
    static const QString suffix = QStringLiteral("/.default");
    QString base = resource.trimmed();
    if (base.endsWith(suffix))
        base.chop(suffix.size());
    while (base.endsWith(u'/'))
        base.chop(1);
    return base + suffix;
}

} // namespace aap::auth
