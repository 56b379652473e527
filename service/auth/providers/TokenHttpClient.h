#pragma once

#include "auth/TokenError.h"
#include "config/ServiceConfig.h"
#include "core/Clock.h"
#include "core/Expected.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QProcessEnvironment>
#include <QSslConfiguration>
#include <QUrl>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <gsl/narrow>

class QNetworkAccessManager;
class QNetworkReply;

namespace aap::auth {

// The HTTP client of every token provider: low volume, one QNetworkAccessManager per route kind
// (direct / through HTTPS_PROXY). Each call has a deadline and a response size cap, never follows
// redirects, never stores cookies or credentials, and reports failures as TokenError values.
// HTTP error statuses are NOT errors here: the provider gets the Response and maps it (see
// TokenResponseParser::parseError). Header values are never logged (Arc's Authorization is a secret).
class TokenHttpClient : public QObject {
    Q_OBJECT

public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    struct Request {
        QUrl url;
        Headers headers;
        // Only Entra requests may go through HTTPS_PROXY (https URLs only, subject to NO_PROXY);
        // IMDS, Arc and App Service are link-local/loopback endpoints that must never be proxied.
        bool useProxy = false;
    };

    struct Response {
        int status = 0;
        Headers headers; // as received, names in original case
        QByteArray body;
        std::optional<std::chrono::seconds> retryAfter; // parsed Retry-After, when present and valid
        // First value of a header, name compared case-insensitively; empty when absent.
        [[nodiscard]] QByteArray header(QByteArrayView name) const;
        [[nodiscard]] bool hasHeader(QByteArrayView name) const;
    };

    struct Options {
        std::chrono::milliseconds requestTimeout{15'000};
        qint64 maxResponseBytes = qint64{1024} * 1024;
        // PEM bundles trusted in addition to the system CAs (see tls::TrustStore): the configured one
        // must be usable, SSL_CERT_FILE's is ignored with a warning when it is not.
        QString caBundle;
        QString environmentCaBundle;
        config::OutboundProxyConfig proxy;
        // Test hook, never set from configuration: a real proxy started by a test can only reach a
        // fake Entra on 127.0.0.1, which HTTPS_PROXY otherwise never carries.
        bool loopbackBypassesProxy = true;

        // TokenConfig.requestTimeout, UpstreamConfig.caBundlePath, SSL_CERT_FILE from env and the
        // outbound proxy settings.
        [[nodiscard]] static Options fromConfig(const config::ServiceConfig &config,
                                                const QProcessEnvironment &environment);

        friend bool operator==(const Options &, const Options &) = default;
    };

    using Result = Expected<Response, TokenError>;
    using Callback = std::function<void(Result)>;

    TokenHttpClient(Clock &clock, Options options, QObject *parent = nullptr);
    ~TokenHttpClient() override;
    TokenHttpClient(const TokenHttpClient &) = delete;
    TokenHttpClient &operator=(const TokenHttpClient &) = delete;
    TokenHttpClient(TokenHttpClient &&) = delete;
    TokenHttpClient &operator=(TokenHttpClient &&) = delete;

    // done is called exactly once, on this object's thread and never synchronously from get/post,
    // unless this client is destroyed first (pending calls are then aborted without a callback).
    void get(const Request &request, Callback done);
    void post(const Request &request, const QByteArray &body, Callback done);

    [[nodiscard]] const Options &options() const { return m_options; }
    // Requests currently in flight (tests, diagnostics).
    [[nodiscard]] int pendingCount() const { return gsl::narrow<int>(m_calls.size()); }

    // Retry-After as delta-seconds or HTTP-date (RFC 9110); past dates give 0 s; garbage nullopt.
    [[nodiscard]] static std::optional<std::chrono::seconds> parseRetryAfter(QByteArrayView value,
                                                                             Clock::TimePoint now);
    // Whether host[:port] is excluded from proxying by NO_PROXY ("*", names, ".suffix", IPs, CIDRs;
    // loopback is always excluded).
    [[nodiscard]] static bool bypassesProxy(const QUrl &url, const QStringList &noProxy);

private:
    struct Call;
    void start(const Request &request, const QByteArray &verb, const QByteArray &body, Callback done);
    void onMetaData(Call &call);
    void onReadyRead(Call &call);
    void onFinished(Call &call);
    void fail(QNetworkReply *reply, TokenError error);
    void complete(QNetworkReply *reply, Result result);
    QNetworkAccessManager &managerFor(const Request &request);

    Clock &m_clock;
    Options m_options;
    QSslConfiguration m_ssl;
    std::optional<TokenError> m_setupError; // unusable configured CA bundle: every call fails with it
    QNetworkAccessManager *m_direct = nullptr;
    QNetworkAccessManager *m_proxied = nullptr;
    QHash<QNetworkReply *, std::shared_ptr<Call>> m_calls;
};

} // namespace aap::auth
