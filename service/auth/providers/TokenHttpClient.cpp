#include "auth/providers/TokenHttpClient.h"

#include "log/LogField.h"
#include "log/Logging.h"
#include "tls/TrustStore.h"

#include <QDateTime>
#include <QHostAddress>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QTimeZone>

#include <gsl/narrow>

#include <algorithm>

namespace aap::auth {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

QString hostPort(const QUrl &url)
{
    return url.host() % QLatin1Char(':') %
           QString::number(url.port(url.scheme() == QLatin1String("https") ? 443 : 80));
}

TokenError makeError(TokenError::Kind kind, const QString &description, bool retryable = true)
{
    TokenError error;
    error.kind = kind;
    error.description = description;
    error.retryable = retryable;
    return error;
}

TokenError transportError(const QNetworkReply &reply)
{
    const QString where = hostPort(reply.url());
    switch (reply.error()) {
    case QNetworkReply::TimeoutError:
        return makeError(TokenError::Kind::Timeout, QStringLiteral("no answer from %1 in time").arg(where));
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProxyNotFoundError:
    case QNetworkReply::ProxyTimeoutError:
    case QNetworkReply::ProxyAuthenticationRequiredError:
    case QNetworkReply::UnknownProxyError:
        return makeError(TokenError::Kind::Transport,
                         QStringLiteral("HTTPS proxy failed for %1: %2").arg(where, reply.errorString()));
    case QNetworkReply::SslHandshakeFailedError:
        return makeError(TokenError::Kind::Transport,
                         QStringLiteral("TLS handshake with %1 failed: %2").arg(where, reply.errorString()));
    default:
        return makeError(TokenError::Kind::Transport,
                         QStringLiteral("request to %1 failed: %2").arg(where, reply.errorString()));
    }
}

// One NO_PROXY entry split into host and optional port ("host", "host:443", "[::1]:443", "::1").
std::pair<QString, int> splitHostPort(const QString &entry)
{
    if (entry.startsWith(QLatin1Char('['))) {
        const qsizetype close = entry.indexOf(QLatin1Char(']'));
        if (close > 0) {
            const QString host = entry.mid(1, close - 1);
            const QString rest = entry.mid(close + 1);
            return {host, rest.startsWith(QLatin1Char(':')) ? rest.mid(1).toInt() : -1};
        }
    }
    if (entry.count(QLatin1Char(':')) == 1) {
        const qsizetype colon = entry.indexOf(QLatin1Char(':'));
        return {entry.left(colon), entry.mid(colon + 1).toInt()};
    }
    return {entry, -1};
}

} // namespace

struct TokenHttpClient::Call {
    QNetworkReply *reply = nullptr;
    Callback done;
    QByteArray body;
    Clock::TimerId timer = 0;
    Clock::TimePoint started;
};

QByteArray TokenHttpClient::Response::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0) {
            return value;
        }
    }
    return {};
}

bool TokenHttpClient::Response::hasHeader(QByteArrayView name) const
{
    return std::any_of(headers.cbegin(), headers.cend(),
                       [&](const auto &pair) { return pair.first.compare(name, Qt::CaseInsensitive) == 0; });
}

TokenHttpClient::Options TokenHttpClient::Options::fromConfig(const config::ServiceConfig &config,
                                                              const QProcessEnvironment &environment)
{
    Options options;
    options.requestTimeout = config.token.requestTimeout;
    options.caBundle = config.upstream.caBundlePath;
    options.environmentCaBundle = environment.value(QStringLiteral("SSL_CERT_FILE"));
    options.proxy = config.outboundProxy;
    return options;
}

TokenHttpClient::TokenHttpClient(Clock &clock, Options options, QObject *parent)
    : QObject(parent), m_clock(clock), m_options(std::move(options)),
      m_ssl(QSslConfiguration::defaultConfiguration()), m_direct(new QNetworkAccessManager(this))
{
    m_direct->setProxy(QNetworkProxy(QNetworkProxy::NoProxy));
    if (auto trusted = tls::TrustStore::apply(m_ssl, m_options.caBundle, m_options.environmentCaBundle)) {
        m_ssl = *trusted;
    } else {
        m_setupError = makeError(TokenError::Kind::LocalFile, trusted.error(), false);
    }
    if (m_setupError) {
        qCWarning(lcAuth).noquote() << "token http client unusable"
                                    << log::LogField::kv("reason", m_setupError->description);
    }
}

TokenHttpClient::~TokenHttpClient()
{
    // Pending callers are gone with us: abort quietly, no callbacks.
    for (const auto &call : std::as_const(m_calls)) {
        m_clock.cancel(call->timer);
        QObject::disconnect(call->reply, nullptr, this, nullptr);
        call->reply->abort();
        delete call->reply;
    }
    m_calls.clear();
}

void TokenHttpClient::get(const Request &request, Callback done)
{
    start(request, QByteArrayLiteral("GET"), {}, std::move(done));
}

void TokenHttpClient::post(const Request &request, const QByteArray &body, Callback done)
{
    start(request, QByteArrayLiteral("POST"), body, std::move(done));
}

QNetworkAccessManager &TokenHttpClient::managerFor(const Request &request)
{
    // HTTPS_PROXY applies to https URLs only, like curl and Go's httpproxy.
    const bool proxied =
        request.useProxy && !m_options.proxy.httpsProxy.isEmpty() &&
        request.url.scheme() == QLatin1String("https") &&
        (!m_options.loopbackBypassesProxy ? !m_options.proxy.noProxy.contains(request.url.host())
                                          : !bypassesProxy(request.url, m_options.proxy.noProxy));
    if (!proxied) {
        return *m_direct;
    }
    if (m_proxied == nullptr) {
        const QUrl &proxyUrl = m_options.proxy.httpsProxy;
        m_proxied = new QNetworkAccessManager(this);
        m_proxied->setProxy(QNetworkProxy(
            QNetworkProxy::HttpProxy, proxyUrl.host(), gsl::narrow_cast<quint16>(proxyUrl.port(8080)),
            proxyUrl.userName(QUrl::FullyDecoded), proxyUrl.password(QUrl::FullyDecoded)));
    }
    return *m_proxied;
}

void TokenHttpClient::start(const Request &request, const QByteArray &verb, const QByteArray &body,
                            Callback done)
{
    const auto failLater = [this, done](TokenError error) {
        QMetaObject::invokeMethod(
            this, [done, error = std::move(error)] { done(Unexpected(error)); }, Qt::QueuedConnection);
    };
    if (m_setupError) {
        failLater(*m_setupError);
        return;
    }
    const QString scheme = request.url.scheme();
    if (!request.url.isValid() || request.url.host().isEmpty() ||
        (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
        failLater(makeError(TokenError::Kind::Config, QStringLiteral("invalid token endpoint URL"), false));
        return;
    }

    QNetworkRequest networkRequest(request.url);
    // Token requests carry credentials: never follow a redirect, never store cookies or auth.
    networkRequest.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                                QNetworkRequest::ManualRedirectPolicy);
    networkRequest.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    networkRequest.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    networkRequest.setAttribute(QNetworkRequest::AuthenticationReuseAttribute, QNetworkRequest::Manual);
    networkRequest.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    networkRequest.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    networkRequest.setHeader(QNetworkRequest::UserAgentHeader,
                             QByteArrayLiteral("aad-auth-proxy/" AAP_VERSION));
    // Token answers are small: no compression, so the size cap also bounds what is decompressed.
    networkRequest.setRawHeader("Accept-Encoding", "identity");
    for (const auto &[name, value] : request.headers) {
        networkRequest.setRawHeader(name, value);
    }
    if (scheme == QLatin1String("https")) {
        networkRequest.setSslConfiguration(m_ssl);
    }

    QNetworkAccessManager &manager = managerFor(request);
    QNetworkReply *reply = verb == "POST" ? manager.post(networkRequest, body) : manager.get(networkRequest);

    auto call = std::make_shared<Call>();
    call->reply = reply;
    call->done = std::move(done);
    call->started = m_clock.now();
    call->timer = m_clock.startTimer(m_options.requestTimeout, [this, reply] {
        fail(reply,
             makeError(TokenError::Kind::Timeout, QStringLiteral("no complete answer from %1 within %2 ms")
                                                      .arg(hostPort(reply->url()))
                                                      .arg(m_options.requestTimeout.count())));
    });
    m_calls.insert(reply, call);

    Call *raw = call.get();
    connect(reply, &QNetworkReply::metaDataChanged, this, [this, raw] { onMetaData(*raw); });
    connect(reply, &QNetworkReply::readyRead, this, [this, raw] { onReadyRead(*raw); });
    connect(reply, &QNetworkReply::finished, this, [this, raw] { onFinished(*raw); });
    qCDebug(lcAuth).noquote() << "token request" << log::LogField::kv("method", QString::fromLatin1(verb))
                              << log::LogField::kv("endpoint", hostPort(request.url))
                              << log::LogField::kv("path", request.url.path());
}

void TokenHttpClient::onMetaData(Call &call)
{
    const QVariant length = call.reply->header(QNetworkRequest::ContentLengthHeader);
    if (length.isValid() && length.toLongLong() > m_options.maxResponseBytes) {
        fail(call.reply, makeError(TokenError::Kind::Malformed,
                                   QStringLiteral("response too large (Content-Length %1 > %2 bytes)")
                                       .arg(length.toLongLong())
                                       .arg(m_options.maxResponseBytes)));
    }
}

void TokenHttpClient::onReadyRead(Call &call)
{
    // Read as it arrives so Qt never buffers more than one chunk beyond the cap.
    call.body += call.reply->readAll();
    if (call.body.size() > m_options.maxResponseBytes) {
        fail(call.reply,
             makeError(
                 TokenError::Kind::Malformed,
                 QStringLiteral("response too large (more than %1 bytes)").arg(m_options.maxResponseBytes)));
    }
}

void TokenHttpClient::onFinished(Call &call)
{
    QNetworkReply *reply = call.reply;
    call.body += reply->readAll();
    if (call.body.size() > m_options.maxResponseBytes) {
        fail(reply,
             makeError(
                 TokenError::Kind::Malformed,
                 QStringLiteral("response too large (more than %1 bytes)").arg(m_options.maxResponseBytes)));
        return;
    }
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    // Network and proxy errors (codes below 200) mean a cut-off answer even when a status line
    // arrived; HTTP-level codes (2xx..4xx ranges of NetworkError) still carry a full response.
    const bool transportFailed = reply->error() != QNetworkReply::NoError && reply->error() < 200;
    if (!status.isValid() || status.toInt() <= 0 || transportFailed) {
        fail(reply, transportError(*reply));
        return;
    }
    Response response;
    response.status = status.toInt();
    response.headers = reply->rawHeaderPairs();
    response.body = std::move(call.body);
    if (const QByteArray retryAfter = response.header("Retry-After"); !retryAfter.isEmpty()) {
        response.retryAfter = parseRetryAfter(retryAfter, m_clock.now());
    }
    qCDebug(lcAuth).noquote() << "token response" << log::LogField::kv("endpoint", hostPort(reply->url()))
                              << log::LogField::kv("status", response.status)
                              << log::LogField::kv("bytes", response.body.size());
    complete(reply, std::move(response));
}

void TokenHttpClient::fail(QNetworkReply *reply, TokenError error)
{
    if (!m_calls.contains(reply)) {
        return;
    }
    QObject::disconnect(reply, nullptr, this, nullptr);
    if (reply->isRunning()) {
        reply->abort();
    }
    complete(reply, Unexpected(std::move(error)));
}

void TokenHttpClient::complete(QNetworkReply *reply, Result result)
{
    const std::shared_ptr<Call> call = m_calls.take(reply);
    if (!call) {
        return;
    }
    m_clock.cancel(call->timer);
    QObject::disconnect(reply, nullptr, this, nullptr);
    reply->deleteLater();
    // Last: the callback may start a new request or destroy this client.
    const Callback done = std::move(call->done);
    done(std::move(result));
}

std::optional<seconds> TokenHttpClient::parseRetryAfter(QByteArrayView value, Clock::TimePoint now)
{
    const QByteArray text = value.trimmed().toByteArray();
    if (text.isEmpty()) {
        return std::nullopt;
    }
    if (std::all_of(text.cbegin(), text.cend(), [](char c) { return c >= '0' && c <= '9'; })) {
        bool ok = false;
        const qint64 delta = text.toLongLong(&ok);
        // Beyond a day is nonsense for a token service; keep the arithmetic bounded.
        return ok ? std::optional<seconds>(seconds{std::min<qint64>(delta, 86'400)}) : std::nullopt;
    }
    // IMF-fixdate, the only form senders may generate: "Sun, 06 Nov 1994 08:49:37 GMT".
    QDateTime date =
        QLocale::c().toDateTime(QString::fromLatin1(text), QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    if (!date.isValid()) {
        return std::nullopt;
    }
    date.setTimeZone(QTimeZone::utc());
    const auto at = Clock::TimePoint{seconds{date.toSecsSinceEpoch()}};
    const auto delta = std::chrono::duration_cast<seconds>(at - now);
    return std::clamp(delta, seconds{0}, seconds{86'400});
}

bool TokenHttpClient::bypassesProxy(const QUrl &url, const QStringList &noProxy)
{
    const QString host = url.host().toLower();
    const int port = url.port(url.scheme() == QLatin1String("https") ? 443 : 80);
    const QHostAddress hostAddress(host);
    if (host == QLatin1String("localhost") || hostAddress.isLoopback()) {
        return true;
    }
    for (const QString &rawEntry : noProxy) {
        const QString entry = rawEntry.trimmed().toLower();
        if (entry.isEmpty()) {
            continue;
        }
        if (entry == QLatin1String("*")) {
            return true;
        }
        if (entry.contains(QLatin1Char('/'))) {
            const auto subnet = QHostAddress::parseSubnet(entry);
            if (!hostAddress.isNull() &&
                subnet.first.protocol() != QAbstractSocket::UnknownNetworkLayerProtocol &&
                hostAddress.isInSubnet(subnet)) {
                return true;
            }
            continue;
        }
        auto [entryHost, entryPort] = splitHostPort(entry);
        if (entryPort > 0 && entryPort != port) {
            continue;
        }
        if (const QHostAddress entryAddress(entryHost); !entryAddress.isNull()) {
            if (!hostAddress.isNull() && entryAddress.isEqual(hostAddress)) {
                return true;
            }
            continue;
        }
        if (entryHost.startsWith(QLatin1String("*."))) {
            entryHost = entryHost.mid(1);
        }
        if (entryHost.startsWith(QLatin1Char('.'))) {
            // ".y.com" matches subdomains only.
            if (host.endsWith(entryHost)) {
                return true;
            }
        } else if (host == entryHost || host.endsWith(QString(QLatin1Char('.') % entryHost))) {
            return true;
        }
    }
    return false;
}

} // namespace aap::auth
