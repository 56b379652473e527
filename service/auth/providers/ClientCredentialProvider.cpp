#include "auth/providers/ClientCredentialProvider.h"

#include "auth/providers/Authority.h"
#include "auth/providers/TokenResponseParser.h"
#include "log/LogField.h"
#include "log/Logging.h"

#include <QPointer>

namespace aap::auth {

namespace {

// Errors that mean the request or the application registration is wrong: asking again cannot
// help until an operator changes something.
bool isConfigurationError(const QString &code)
{
    return code == QLatin1String("invalid_client") || code == QLatin1String("unauthorized_client") ||
           code == QLatin1String("invalid_request") || code == QLatin1String("invalid_scope") ||
           code == QLatin1String("invalid_grant") || code == QLatin1String("unsupported_grant_type");
}

} // namespace

ClientCredentialProvider::ClientCredentialProvider(QString label, QUrl tokenUrl, QString clientId,
                                                   std::unique_ptr<ClientCredential> credential,
                                                   TokenHttpClient &http, Clock &clock, QObject *parent)
    : TokenProvider(parent), m_label(std::move(label)), m_tokenUrl(std::move(tokenUrl)),
      m_clientId(std::move(clientId)), m_credential(std::move(credential)), m_http(http), m_clock(clock)
{
    Expects(m_credential != nullptr);
}

void ClientCredentialProvider::fetch(const QString &resource, Completion done)
{
    TokenRequestForm form;
    form.add(QStringLiteral("grant_type"), QStringLiteral("client_credentials"));
    form.add(QStringLiteral("client_id"), m_clientId);
    form.add(QStringLiteral("scope"), Authority::scopeFor(resource));
    if (auto added = m_credential->addTo(form, m_tokenUrl, m_clientId); !added) {
        // done must not run inside fetch(): the caller may still be setting up its state.
        QMetaObject::invokeMethod(
            this, [this, done = std::move(done), error = added.error()] { finish(done, Unexpected(error)); },
            Qt::QueuedConnection);
        return;
    }

    TokenHttpClient::Request request;
    request.url = m_tokenUrl;
    request.headers = {
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/x-www-form-urlencoded")},
        {QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")}};
    request.useProxy = true;
    qCDebug(lcAuth).noquote() << "token request" << log::LogField::kv("provider", m_label)
                              << log::LogField::kv("url", m_tokenUrl.toString())
                              << log::LogField::kv("client_id", m_clientId);
    m_http.post(request, form.encoded(),
                [self = QPointer<ClientCredentialProvider>(this),
                 done = std::move(done)](TokenHttpClient::Result result) {
                    if (self.isNull())
                        return;
                    if (!result) {
                        self->finish(done, Unexpected(std::move(result).error()));
                        return;
                    }
                    const TokenHttpClient::Response &response = result.value();
                    if (response.status < 200 || response.status > 299) {
                        self->finish(done, Unexpected(mapError(response)));
                        return;
                    }
                    auto parsed = TokenResponseParser::parseToken(response.body, self->m_clock.now());
                    if (!parsed) {
                        self->finish(done, Unexpected(std::move(parsed).error()));
                        return;
                    }
                    self->finish(done, std::move(parsed).value().token);
                });
}

void ClientCredentialProvider::finish(const Completion &done, Result result)
{
    if (!result) {
        const TokenError &error = result.error();
        qCDebug(lcAuth).noquote() << "token request failed" << log::LogField::kv("provider", m_label)
                                  << log::LogField::kv("status", error.httpStatus)
                                  << log::LogField::kv("code", error.code)
                                  << log::LogField::kv("retryable", error.retryable ? "yes" : "no");
    }
    done(std::move(result));
}

QString ClientCredentialProvider::describe() const
{
    return QStringLiteral("%1 (client_id=%2, token_url=%3, credential=%4)")
        .arg(m_label, m_clientId, m_tokenUrl.toString(), m_credential->describe());
}

TokenError ClientCredentialProvider::mapError(const TokenHttpClient::Response &response)
{
    TokenError error = TokenResponseParser::parseError(response.status, response.body, response.retryAfter);
    if (isConfigurationError(error.code))
        error.retryable = false;
    return error;
}

} // namespace aap::auth
