#include "auth/providers/ImdsProvider.h"

#include "auth/providers/EndpointVariable.h"
#include "auth/providers/TokenResponseParser.h"
#include "log/Logging.h"

#include <QPointer>

namespace aap::auth {

ImdsProvider::Options ImdsProvider::Options::fromEnvironment(ManagedIdentitySelector identity,
                                                             const QProcessEnvironment &environment)
{
    Options options;
    options.identity = std::move(identity);
    // Checked at start by ProviderFactory; an unusable value leaves the default here.
    if (auto host = EndpointVariable::read(environment, "AZURE_POD_IDENTITY_AUTHORITY_HOST");
        host && !host->isEmpty()) {
        options.authorityHost = *host;
    }
    return options;
}

ImdsProvider::ImdsProvider(TokenHttpClient &http, Clock &clock, Options options, QObject *parent)
    : TokenProvider(parent), m_http(http), m_clock(clock), m_options(std::move(options))
{}

QString ImdsProvider::resourceFromAudience(const QString &audience)
{
    QString resource = audience.trimmed();
    if (resource.endsWith(QLatin1String("/.default"))) {
        resource.chop(9);
    }
    return resource;
}

QUrl ImdsProvider::tokenUrl(const QUrl &authorityHost, const QString &resource,
                            const ManagedIdentitySelector &identity)
{
    QUrl url = authorityHost;
    QString path = url.path();
    while (path.endsWith(QLatin1Char('/'))) {
        path.chop(1);
    }
    url.setPath(path + QStringLiteral("/metadata/identity/oauth2/token"));
    QByteArray query =
        "api-version=2018-02-01&resource=" + QUrl::toPercentEncoding(resourceFromAudience(resource));
    query += identity.queryParameter({"client_id", "object_id", "msi_res_id"});
    url.setQuery(QString::fromLatin1(query), QUrl::StrictMode);
    return url;
}

TokenError ImdsProvider::httpError(const TokenHttpClient::Response &response)
{
    TokenError error = TokenResponseParser::parseError(response.status, response.body, response.retryAfter);
    const int status = response.status;
    error.retryable = status == 404 || status == 410 || status == 429 || status >= 500;
    return error;
}

TokenProvider::Result ImdsProvider::toResult(const TokenHttpClient::Response &response, Clock::TimePoint now)
{
    if (response.status < 200 || response.status > 299) {
        return Unexpected(httpError(response));
    }
    auto parsed = TokenResponseParser::parseToken(response.body, now);
    if (!parsed) {
        TokenError error = std::move(parsed).error();
        error.httpStatus = response.status;
        return Unexpected(std::move(error));
    }
    return std::move(parsed).value().token;
}

void ImdsProvider::fetch(const QString &resource, Completion done)
{
    TokenHttpClient::Request request;
    request.url = tokenUrl(m_options.authorityHost, resource, m_options.identity);
    request.headers = {{"Metadata", "true"}};
    request.useProxy = false;
    m_http.get(request,
               [self = QPointer<ImdsProvider>(this), done = std::move(done)](TokenHttpClient::Result result) {
                   if (!self) {
                       return;
                   }
                   if (!result) {
                       done(Unexpected(std::move(result).error()));
                       return;
                   }
                   done(toResult(result.value(), self->m_clock.now()));
               });
}

QString ImdsProvider::describe() const
{
    return QStringLiteral("imds (") + m_options.identity.describe() + QLatin1Char(')');
}

} // namespace aap::auth
