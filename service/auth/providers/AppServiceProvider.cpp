#include "auth/providers/AppServiceProvider.h"

#include "auth/providers/EndpointVariable.h"
#include "auth/providers/ImdsProvider.h"
#include "auth/providers/TokenResponseParser.h"

#include <QPointer>

namespace aap::auth {

AppServiceProvider::Options
AppServiceProvider::Options::fromEnvironment(ManagedIdentitySelector identity,
                                             const QProcessEnvironment &environment)
{
    Options options;
    options.identity = std::move(identity);
    // Checked at start by ProviderFactory.
    options.identityEndpoint = EndpointVariable::read(environment, "IDENTITY_ENDPOINT").value_or(QUrl());
    options.identityHeader = config::Secret(environment.value(QStringLiteral("IDENTITY_HEADER")));
    return options;
}

AppServiceProvider::AppServiceProvider(TokenHttpClient &http, Clock &clock, Options options, QObject *parent)
    : TokenProvider(parent), m_http(http), m_clock(clock), m_options(std::move(options))
{}

QUrl AppServiceProvider::tokenUrl(const QUrl &identityEndpoint, const QString &resource,
                                  const ManagedIdentitySelector &identity)
{
    QUrl url = identityEndpoint;
    QByteArray query = "resource=" + QUrl::toPercentEncoding(ImdsProvider::resourceFromAudience(resource)) +
                       "&api-version=2019-08-01";
    // "principal_id" and "mi_res_id", not IMDS's "object_id" and "msi_res_id".
    query += identity.queryParameter({"client_id", "principal_id", "mi_res_id"});
    url.setQuery(QString::fromLatin1(query), QUrl::StrictMode);
    return url;
}

void AppServiceProvider::fetch(const QString &resource, Completion done)
{
    TokenHttpClient::Request request;
    request.url = tokenUrl(m_options.identityEndpoint, resource, m_options.identity);
    request.headers = {{"X-IDENTITY-HEADER", m_options.identityHeader.reveal().toUtf8()}};
    request.useProxy = false;
    m_http.get(request, [self = QPointer<AppServiceProvider>(this),
                         done = std::move(done)](TokenHttpClient::Result result) {
        if (!self) {
            return;
        }
        if (!result) {
            done(Unexpected(std::move(result).error()));
            return;
        }
        const auto &response = result.value();
        if (response.status < 200 || response.status > 299) {
            done(Unexpected(
                TokenResponseParser::parseError(response.status, response.body, response.retryAfter)));
            return;
        }
        auto parsed = TokenResponseParser::parseToken(response.body, self->m_clock.now());
        if (!parsed) {
            TokenError error = std::move(parsed).error();
            error.httpStatus = response.status;
            done(Unexpected(std::move(error)));
            return;
        }
        done(std::move(parsed).value().token);
    });
}

QString AppServiceProvider::describe() const
{
    return QStringLiteral("app service (") + m_options.identity.describe() + QLatin1Char(')');
}

} // namespace aap::auth
