#include "config/SettingCatalog.h"

#include "config/ConfigValues.h"
#include "config/TargetHostParser.h"

#include <QHostAddress>

#include <gsl/narrow>

namespace aap::config {

using namespace Qt::StringLiterals;
using std::chrono::milliseconds;

namespace {

using ApplyResult = Expected<QString, QString>;

// Builds a descriptor from an accessor (a generic lambda returning a reference into a target,
// usable with SettingTarget and ConstSettingTarget), a parser and a formatter.
template <typename Access, typename Parse, typename Format>
SettingDescriptor make(SettingDescriptor meta, Access access, Parse parse, Format format)
{
    meta.apply = [access, parse](const SettingTarget &target, const QString &text) -> ApplyResult {
        auto parsed = parse(text);
        if (!parsed)
            return Unexpected(parsed.error());
        access(target) = std::move(parsed).value();
        return QString();
    };
    meta.format = [access, format](const ConstSettingTarget &target) { return format(access(target)); };
    return meta;
}

Expected<QString, QString> parseText(const QString &text)
{
    return text.trimmed();
}

QString formatText(const QString &text)
{
    return text;
}

template <typename Access> SettingDescriptor text(SettingDescriptor meta, Access access)
{
    if (meta.valueName == u"path")
        meta.type = SettingType::Path;
    return make(std::move(meta), access, parseText, formatText);
}

// An enumeration: the editor offers every value as formatted.
template <typename Access, typename Parse, typename Format, typename Value>
SettingDescriptor choice(SettingDescriptor meta, Access access, Parse parse, Format format,
                         std::initializer_list<Value> all)
{
    meta.type = SettingType::Choice;
    for (const Value value : all)
        meta.choices.append(format(value));
    return make(std::move(meta), access, parse, format);
}

template <typename Access> SettingDescriptor secret(SettingDescriptor meta, Access access)
{
    meta.secret = true;
    meta.type = SettingType::Secret;
    return make(
        std::move(meta), access,
        [](const QString &value) -> Expected<Secret, QString> { return Secret(value); },
        [](const Secret &value) { return value.redacted(); });
}

template <typename Access> SettingDescriptor boolean(SettingDescriptor meta, Access access)
{
    meta.type = SettingType::Boolean;
    return make(std::move(meta), access, values::parseBool, values::formatBool);
}

template <typename Access>
SettingDescriptor integer(SettingDescriptor meta, Access access, int minimum, int maximum)
{
    meta.type = SettingType::Integer;
    meta.minimum = minimum;
    meta.maximum = maximum;
    return make(
        std::move(meta), access,
        [minimum, maximum](const QString &value) { return values::parseInt(value, minimum, maximum); },
        [](int value) { return QString::number(value); });
}

template <typename Access>
SettingDescriptor duration(SettingDescriptor meta, Access access, qint64 minimumMs = 1)
{
    meta.type = SettingType::Duration;
    meta.minimum = minimumMs;
    meta.maximum = values::kMaxDuration.count();
    return make(
        std::move(meta), access,
        [minimumMs](const QString &value) { return values::parseDuration(value, milliseconds{minimumMs}); },
        values::formatDuration);
}

template <typename Access> SettingDescriptor url(SettingDescriptor meta, Access access, bool httpsOnly)
{
    meta.type = SettingType::Url;
    return make(
        std::move(meta), access,
        [httpsOnly](const QString &value) { return values::parseHttpUrl(value, u"https"_s, httpsOnly); },
        values::formatUrl);
}

template <typename Access> SettingDescriptor list(SettingDescriptor meta, Access access)
{
    meta.type = SettingType::List;
    return make(std::move(meta), access, values::parseList,
                [](const QStringList &l) { return l.join(u", "_s); });
}

Expected<QStringList, QString> parseCidrs(const QString &text)
{
    auto entries = values::parseList(text);
    if (!entries)
        return entries;
    for (const QString &entry : std::as_const(*entries)) {
        const auto subnet = QHostAddress::parseSubnet(entry);
        QHostAddress single;
        if (subnet.first.isNull() && !single.setAddress(entry))
            return Unexpected(u"'"_s + entry +
                              u"' is not an address range (use e.g. 10.0.0.0/8 or ::1/128)"_s);
    }
    return entries;
}

Expected<QList<Secret>, QString> parseSecretList(const QString &text)
{
    QList<Secret> keys;
    // The message for a bad list never quotes an entry: every entry is a key.
    auto entries = values::parseList(text);
    if (!entries)
        return Unexpected(entries.error());
    for (const QString &entry : std::as_const(*entries))
        keys.append(Secret(entry));
    return keys;
}

QString formatSecretList(const QList<Secret> &keys)
{
    if (keys.isEmpty())
        return {};
    return u"<redacted> ("_s + QString::number(keys.size()) + (keys.size() == 1 ? u" key)"_s : u" keys)"_s);
}

Expected<QString, QString> parsePathPrefix(const QString &text)
{
    QString prefix = text.trimmed();
    if (!prefix.startsWith(QLatin1Char('/')))
        return Unexpected(u"'"_s + prefix + u"' must start with '/'"_s);
    if (prefix.contains(QLatin1Char('?')) || prefix.contains(QLatin1Char('#')) ||
        std::any_of(prefix.cbegin(), prefix.cend(), [](QChar c) { return c.isSpace(); }))
        return Unexpected(u"'"_s + prefix + u"' must be a plain path"_s);
    return prefix;
}

Expected<QString, QString> parseIdentifier(const QString &text)
{
    const QString value = text.trimmed();
    const bool valid = std::all_of(value.cbegin(), value.cend(), [](QChar c) {
        return c.isLetterOrNumber() || c == u'-' || c == u'.' || c == u'_';
    });
    if (!valid)
        return Unexpected(u"'"_s + value + u"' may only contain letters, digits, '-', '.' and '_'"_s);
    return value;
}

// The original accepts any refresh percentage and falls back to 10 with a warning when the value is
// outside 1..99 or not a number at all.
ApplyResult applyRefreshPercent(const SettingTarget &target, const QString &text)
{
    QString value = text.trimmed();
    const bool negative = value.startsWith(QLatin1Char('-'));
    auto number = values::parseInteger(negative ? value.mid(1) : value, 0, 1'000'000);
    if (!number) {
        target.config->token.refreshPercent = 10;
        return u"'"_s + value + u"' is not a whole number in 1..99; using the default 10"_s;
    }
    if (negative || *number < 1 || *number > 99) {
        target.config->token.refreshPercent = 10;
        return u"'"_s + value + u"' is outside 1..99; using the default 10"_s;
    }
    target.config->token.refreshPercent = gsl::narrow<int>(*number);
    return QString();
}

QList<SettingDescriptor> buildCatalog()
{
    using S = SettingScope;
    QList<SettingDescriptor> c;
    auto d = [](S scope, const QString &section, const QString &key, QStringList env, const QString &flag,
                const QString &valueName, const QString &description) {
        SettingDescriptor meta;
        meta.scope = scope;
        meta.section = section;
        meta.key = key;
        meta.envNames = std::move(env);
        meta.flag = flag;
        meta.valueName = valueName;
        meta.description = description;
        return meta;
    };

    // [listener]
    c << make(
        d(S::Global, u"listener"_s, u"address"_s, {u"LISTEN_ADDRESS"_s}, u"listen-address"_s, u"ip"_s,
          u"Address the proxy listens on: an IP address, localhost, or * for every interface."_s),
        [](auto &t) -> auto & { return t.config->listener.address; }, values::parseHostAddress,
        values::formatHostAddress);
    SettingDescriptor port = make(
        d(S::Global, u"listener"_s, u"port"_s, {u"LISTENING_PORT"_s}, u"listening-port"_s, u"port"_s,
          u"TCP port the proxy listens on (1..65535)."_s),
        [](auto &t) -> auto & { return t.config->listener.port; }, values::parsePort,
        [](quint16 p) { return QString::number(p); });
    port.type = SettingType::Integer;
    port.minimum = 1;
    port.maximum = 65535;
    c << port;
    c << text(
        d(S::Global, u"listener"_s, u"tls_certificate"_s, {u"LISTENER_TLS_CERTIFICATE_PATH"_s},
          u"listener-tls-certificate"_s, u"path"_s,
          u"Certificate that turns on TLS for the listener: PEM (certificate and key) or PFX/PKCS#12; "
          u"reloaded when the file changes."_s),
        [](auto &t) -> auto & { return t.config->listener.tlsCertificatePath; });
    c << text(
        d(S::Global, u"listener"_s, u"tls_key"_s, {u"LISTENER_TLS_KEY_PATH"_s}, u"listener-tls-key"_s,
          u"path"_s, u"PEM private key of the listener certificate, when not in the certificate file."_s),
        [](auto &t) -> auto & { return t.config->listener.tlsKeyPath; });
    c << secret(
        d(S::Global, u"listener"_s, u"tls_key_password"_s, {u"LISTENER_TLS_KEY_PASSWORD"_s},
          u"listener-tls-key-password"_s, u"password"_s,
          u"Password of a PFX listener certificate or an encrypted PEM key (prefer tls_key_password_file)."_s),
        [](auto &t) -> auto & { return t.config->listener.tlsKeyPassword; });
    c << text(
        d(S::Global, u"listener"_s, u"tls_key_password_file"_s, {u"LISTENER_TLS_KEY_PASSWORD_FILE"_s},
          u"listener-tls-key-password-file"_s, u"path"_s, u"File whose contents are tls_key_password."_s),
        [](auto &t) -> auto & { return t.config->listener.tlsKeyPasswordFile; });
    SettingDescriptor apiKeys = make(
        d(S::Global, u"listener"_s, u"api_keys"_s, {u"INBOUND_API_KEYS"_s}, u"inbound-api-keys"_s, u"keys"_s,
          u"Comma-separated API keys clients must send (Authorization: ApiKey <key> or X-Api-Key); empty = off."_s),
        [](auto &t) -> auto & { return t.config->listener.inboundAuth.apiKeys; }, parseSecretList,
        formatSecretList);
    apiKeys.secret = true;
    apiKeys.type = SettingType::Secret;
    c << apiKeys;
    c << text(
        d(S::Global, u"listener"_s, u"api_keys_file"_s, {u"INBOUND_API_KEYS_FILE"_s},
          u"inbound-api-keys-file"_s, u"path"_s,
          u"File with accepted API keys, one per line (read at start; combines with api_keys)."_s),
        [](auto &t) -> auto & { return t.config->listener.inboundAuth.apiKeysFile; });
    c << make(
        d(S::Global, u"listener"_s, u"api_key_header"_s, {u"INBOUND_API_KEY_HEADER"_s},
          u"inbound-api-key-header"_s, u"name"_s,
          u"Header that carries an API key besides Authorization: ApiKey <key>."_s),
        [](auto &t) -> auto & { return t.config->listener.inboundAuth.apiKeyHeader; },
        values::parseHeaderName, [](const QByteArray &name) { return QString::fromLatin1(name); });
    SettingDescriptor cidrs = make(
        d(S::Global, u"listener"_s, u"allowed_cidrs"_s, {u"INBOUND_ALLOWED_CIDRS"_s},
          u"inbound-allowed-cidrs"_s, u"cidrs"_s,
          u"Comma-separated client address ranges allowed to connect; empty = any."_s),
        [](auto &t) -> auto & { return t.config->listener.inboundAuth.allowedCidrs; }, parseCidrs,
        [](const QStringList &l) { return l.join(u", "_s); });
    cidrs.type = SettingType::List;
    c << cidrs;
    c << text(
        d(S::Global, u"listener"_s, u"client_ca"_s, {u"INBOUND_CLIENT_CA_PATH"_s}, u"inbound-client-ca"_s,
          u"path"_s, u"PEM CA bundle client certificates must chain to (mutual TLS; needs listener TLS)."_s),
        [](auto &t) -> auto & { return t.config->listener.inboundAuth.clientCaPath; });

    // [route]
    c << make(
        d(S::Route, u"route"_s, u"target_host"_s, {u"TARGET_HOST"_s}, u"target-host"_s, u"url"_s,
          u"Where requests are forwarded: host, host:port, [ipv6]:port, https://host[:port][/base], "
          u"http://host[:port][/base]."_s),
        [](auto &t) -> auto & { return t.route->target; }, TargetHostParser::parse, values::formatTarget);
    c << make(
        d(S::Route, u"route"_s, u"audience"_s, {u"AUDIENCE"_s}, u"audience"_s, u"url"_s,
          u"Resource the token is for, with or without /.default (e.g. https://monitor.azure.com)."_s),
        [](auto &t) -> auto & { return t.route->audience; }, values::parseAudience, formatText);
    c << make(
        d(S::Route, u"route"_s, u"path_prefix"_s, {u"ROUTE_PATH_PREFIX"_s}, u"path-prefix"_s, u"path"_s,
          u"Requests whose path starts with this prefix use the route."_s),
        [](auto &t) -> auto & { return t.route->pathPrefix; }, parsePathPrefix, formatText);
    c << make(
        d(S::Route, u"route"_s, u"identity"_s, {u"ROUTE_IDENTITY"_s}, u"route-identity"_s, u"name"_s,
          u"Name of the [identity \"name\"] section whose token the route sends."_s),
        [](auto &t) -> auto & { return t.route->identity; }, parseIdentifier, formatText);
    SettingDescriptor headers = make(
        d(S::Route, u"route"_s, u"override_request_headers"_s, {u"OVERRIDE_REQUEST_HEADERS"_s},
          u"override-request-headers"_s, u"headers"_s,
          u"Request headers set on every forwarded request: \"Name: value; Name2: value\" or the original's "
          u"JSON "
          u"{\"Name\": \"value\"}. Never Authorization, Host, Content-Length or hop-by-hop headers."_s),
        [](auto &t) -> auto & { return t.route->overrideRequestHeaders; }, values::parseHeaderOverrides,
        values::formatHeaderOverrides);
    headers.secret = true; // header values may be credentials for the target
    c << headers;
    SettingDescriptor removeHeaders = make(
        d(S::Route, u"route"_s, u"remove_request_headers"_s, {u"REMOVE_REQUEST_HEADERS"_s},
          u"remove-request-headers"_s, u"names"_s,
          u"Comma-separated incoming request headers removed before forwarding (never Authorization, Host or "
          u"hop-by-hop: those are handled by the proxy)."_s),
        [](auto &t) -> auto & { return t.route->removeRequestHeaders; }, values::parseHeaderNames,
        values::formatHeaderNames);
    removeHeaders.type = SettingType::List;
    c << removeHeaders;
    c << boolean(
        d(S::Route, u"route"_s, u"strip_prefix"_s, {u"ROUTE_STRIP_PREFIX"_s}, u"strip-prefix"_s, u"bool"_s,
          u"Forward the path without the route's path_prefix (/prom/api/v1/write -> /api/v1/write)."_s),
        [](auto &t) -> auto & { return t.route->stripPrefix; });
    SettingDescriptor listenPort = make(
        d(S::Route, u"route"_s, u"listen_port"_s, {u"ROUTE_LISTEN_PORT"_s}, u"route-listen-port"_s, u"port"_s,
          u"A listener port of the route's own (same address and inbound protection): every request on it "
          u"uses this route; 0 = none."_s),
        [](auto &t) -> auto & { return t.route->listenPort; },
        [](const QString &text) -> Expected<quint16, QString> {
            if (text.trimmed() == u"0")
                return quint16{0};
            return values::parsePort(text);
        },
        [](quint16 p) { return p == 0 ? QString() : QString::number(p); });
    listenPort.type = SettingType::Integer;
    listenPort.minimum = 0;
    listenPort.maximum = 65535;
    c << listenPort;
    SettingDescriptor routeProxy = make(
        d(S::Route, u"route"_s, u"proxy"_s, {u"ROUTE_PROXY"_s}, u"route-proxy"_s, u"url"_s,
          u"Outbound HTTP proxy for this route's target (CONNECT), http://[user:password@]host:port; "
          u"empty = HTTPS_PROXY/HTTP_PROXY/NO_PROXY."_s),
        [](auto &t) -> auto & { return t.route->proxy; },
        [](const QString &value) { return values::parseHttpUrl(value, u"http"_s, false); },
        values::formatUrl);
    routeProxy.secret = true; // the URL may carry a password
    routeProxy.type = SettingType::Url;
    c << routeProxy;
    c << text(
        d(S::Route, u"route"_s, u"client_certificate"_s, {u"ROUTE_CLIENT_CERTIFICATE_PATH"_s},
          u"route-client-certificate"_s, u"path"_s,
          u"Client certificate presented to the target (mutual TLS): PEM (certificate and key) or PFX."_s),
        [](auto &t) -> auto & { return t.route->clientCertificatePath; });
    c << text(
        d(S::Route, u"route"_s, u"client_key"_s, {u"ROUTE_CLIENT_KEY_PATH"_s}, u"route-client-key"_s,
          u"path"_s, u"PEM private key of client_certificate, when in a separate file."_s),
        [](auto &t) -> auto & { return t.route->clientKeyPath; });
    c << secret(
        d(S::Route, u"route"_s, u"client_certificate_password"_s, {u"ROUTE_CLIENT_CERTIFICATE_PASSWORD"_s},
          u"route-client-certificate-password"_s, u"password"_s,
          u"Password of a PFX client_certificate or an encrypted key (prefer the _file variant)."_s),
        [](auto &t) -> auto & { return t.route->clientCertificatePassword; });
    c << text(
        d(S::Route, u"route"_s, u"client_certificate_password_file"_s,
          {u"ROUTE_CLIENT_CERTIFICATE_PASSWORD_FILE"_s}, u"route-client-certificate-password-file"_s,
          u"path"_s, u"File whose contents are client_certificate_password."_s),
        [](auto &t) -> auto & { return t.route->clientCertificatePasswordFile; });

    // [identity]
    c << choice(
        d(S::Identity, u"identity"_s, u"type"_s, {u"IDENTITY_TYPE"_s}, u"identity-type"_s, u"type"_s,
          u"systemAssigned, userAssigned, aadApplication, workloadIdentity or default (case-insensitive; "
          u"empty = default)."_s),
        [](auto &t) -> auto & { return t.identity->kind; }, values::parseIdentityKind,
        values::identityKindName,
        {IdentityKind::Default, IdentityKind::SystemAssigned, IdentityKind::UserAssigned,
         IdentityKind::AadApplication, IdentityKind::WorkloadIdentity});
    c << make(
        d(S::Identity, u"identity"_s, u"client_id"_s, {u"AAD_CLIENT_ID"_s, u"AZURE_CLIENT_ID"_s},
          u"client-id"_s, u"id"_s,
          u"Client id of the user-assigned managed identity or of the Entra application."_s),
        [](auto &t) -> auto & { return t.identity->clientId; }, parseIdentifier, formatText);
    c << make(
        d(S::Identity, u"identity"_s, u"object_id"_s, {u"IDENTITY_OBJECT_ID"_s}, u"object-id"_s, u"id"_s,
          u"Object (principal) id selecting a user-assigned managed identity."_s),
        [](auto &t) -> auto & { return t.identity->objectId; }, parseIdentifier, formatText);
    c << text(
        d(S::Identity, u"identity"_s, u"resource_id"_s, {u"IDENTITY_RESOURCE_ID"_s}, u"resource-id"_s,
          u"id"_s, u"Azure resource id selecting a user-assigned managed identity."_s),
        [](auto &t) -> auto & { return t.identity->resourceId; });
    c << make(
        d(S::Identity, u"identity"_s, u"tenant_id"_s, {u"AAD_TENANT_ID"_s, u"AZURE_TENANT_ID"_s},
          u"tenant-id"_s, u"id"_s, u"Entra tenant (directory) id of the application."_s),
        [](auto &t) -> auto & { return t.identity->tenantId; }, parseIdentifier, formatText);
    c << text(
        d(S::Identity, u"identity"_s, u"certificate_path"_s,
          {u"AAD_CLIENT_CERTIFICATE_PATH"_s, u"AZURE_CLIENT_CERTIFICATE_PATH"_s},
          u"client-certificate-path"_s, u"path"_s,
          u"Client certificate of the application: PEM (certificate and key) or PFX/PKCS#12."_s),
        [](auto &t) -> auto & { return t.identity->certificatePath; });
    c << text(
        d(S::Identity, u"identity"_s, u"certificate_key_path"_s, {u"AAD_CLIENT_CERTIFICATE_KEY_PATH"_s},
          u"client-certificate-key-path"_s, u"path"_s,
          u"PEM private key of the client certificate, when it is in a separate file."_s),
        [](auto &t) -> auto & { return t.identity->certificateKeyPath; });
    c << secret(
        d(S::Identity, u"identity"_s, u"certificate_password"_s, {u"AZURE_CLIENT_CERTIFICATE_PASSWORD"_s},
          u"client-certificate-password"_s, u"password"_s,
          u"Password of a PFX client certificate (or of an encrypted PEM key)."_s),
        [](auto &t) -> auto & { return t.identity->certificatePassword; });
    c << text(
        d(S::Identity, u"identity"_s, u"certificate_password_file"_s,
          {u"AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE"_s}, u"client-certificate-password-file"_s, u"path"_s,
          u"File whose contents are certificate_password."_s),
        [](auto &t) -> auto & { return t.identity->certificatePasswordFile; });
    c << boolean(
        d(S::Identity, u"identity"_s, u"send_certificate_chain"_s, {u"AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"_s},
          u"send-certificate-chain"_s, u"bool"_s,
          u"Send the certificate chain (x5c) for subject-name/issuer authentication."_s),
        [](auto &t) -> auto & { return t.identity->sendCertificateChain; });
    c << choice(
        d(S::Identity, u"identity"_s, u"assertion_algorithm"_s, {u"AAD_CLIENT_ASSERTION_ALGORITHM"_s},
          u"assertion-algorithm"_s, u"alg"_s, u"Signature of the client assertion: RS256 or PS256."_s),
        [](auto &t) -> auto & { return t.identity->assertionAlgorithm; }, values::parseAssertionAlgorithm,
        values::assertionAlgorithmName, {AssertionAlgorithm::RS256, AssertionAlgorithm::PS256});
    c << secret(
        d(S::Identity, u"identity"_s, u"client_secret"_s, {u"AZURE_CLIENT_SECRET"_s}, u"client-secret"_s,
          u"secret"_s,
          u"Client secret of the application (prefer client_secret_file: flags are visible to other "
          u"local users)."_s),
        [](auto &t) -> auto & { return t.identity->clientSecret; });
    c << text(
        d(S::Identity, u"identity"_s, u"client_secret_file"_s, {u"AAD_CLIENT_SECRET_FILE"_s},
          u"client-secret-file"_s, u"path"_s, u"File whose contents are the client secret."_s),
        [](auto &t) -> auto & { return t.identity->clientSecretFile; });
    c << text(
        d(S::Identity, u"identity"_s, u"federated_token_file"_s, {u"AZURE_FEDERATED_TOKEN_FILE"_s},
          u"federated-token-file"_s, u"path"_s,
          u"Workload identity: file with the federated token (re-read as it rotates)."_s),
        [](auto &t) -> auto & { return t.identity->federatedTokenFile; });
    c << choice(d(S::Identity, u"identity"_s, u"cloud"_s, {u"IDENTITY_CLOUD"_s}, u"cloud"_s, u"cloud"_s,
                  u"Azure cloud whose Entra authority is used: public, usGovernment or china."_s),
                [](auto &t) -> auto & { return t.identity->cloud; }, values::parseCloud, values::cloudName,
                {Cloud::Public, Cloud::UsGovernment, Cloud::China});
    c << url(
        d(S::Identity, u"identity"_s, u"authority_host"_s, {u"AZURE_AUTHORITY_HOST"_s}, u"authority-host"_s,
          u"url"_s, u"Entra authority (https only); empty = the cloud's (login.microsoftonline.com)."_s),
        [](auto &t) -> auto & { return t.identity->authorityHost; }, true);

    // [upstream]
    c << duration(
        d(S::Global, u"upstream"_s, u"connect_timeout_ms"_s, {u"UPSTREAM_CONNECT_TIMEOUT_MS"_s},
          u"upstream-connect-timeout-ms"_s, u"ms"_s, u"TCP connect timeout to the target."_s),
        [](auto &t) -> auto & { return t.config->upstream.connectTimeout; });
    c << duration(
        d(S::Global, u"upstream"_s, u"tls_handshake_timeout_ms"_s, {u"UPSTREAM_TLS_HANDSHAKE_TIMEOUT_MS"_s},
          u"upstream-tls-handshake-timeout-ms"_s, u"ms"_s, u"TLS handshake timeout to the target."_s),
        [](auto &t) -> auto & { return t.config->upstream.tlsHandshakeTimeout; });
    c << duration(
        d(S::Global, u"upstream"_s, u"response_headers_timeout_ms"_s,
          {u"UPSTREAM_RESPONSE_HEADERS_TIMEOUT_MS"_s}, u"upstream-response-headers-timeout-ms"_s, u"ms"_s,
          u"Time the target may take to start its response."_s),
        [](auto &t) -> auto & { return t.config->upstream.responseHeadersTimeout; });
    c << duration(
        d(S::Global, u"upstream"_s, u"idle_body_timeout_ms"_s, {u"UPSTREAM_IDLE_BODY_TIMEOUT_MS"_s},
          u"upstream-idle-body-timeout-ms"_s, u"ms"_s,
          u"Longest pause within a response body from the target."_s),
        [](auto &t) -> auto & { return t.config->upstream.idleBodyTimeout; });
    c << text(
        d(S::Global, u"upstream"_s, u"ca_bundle"_s, {u"UPSTREAM_CA_BUNDLE"_s}, u"upstream-ca-bundle"_s,
          u"path"_s,
          u"Extra PEM CA certificates trusted for the target (private CAs), besides the system's and "
          u"SSL_CERT_FILE's."_s),
        [](auto &t) -> auto & { return t.config->upstream.caBundlePath; });
    c << integer(
        d(S::Global, u"upstream"_s, u"max_connections_per_worker"_s,
          {u"UPSTREAM_MAX_CONNECTIONS_PER_WORKER"_s}, u"upstream-max-connections-per-worker"_s, u"count"_s,
          u"Upper bound of connections to the target per worker thread."_s),
        [](auto &t) -> auto & { return t.config->upstream.maxConnectionsPerWorker; }, 1, 100'000);
    c << integer(
        d(S::Global, u"upstream"_s, u"max_idle_connections_per_worker"_s,
          {u"UPSTREAM_MAX_IDLE_CONNECTIONS_PER_WORKER"_s}, u"upstream-max-idle-connections-per-worker"_s,
          u"count"_s, u"Idle keep-alive connections kept per worker thread."_s),
        [](auto &t) -> auto & { return t.config->upstream.maxIdleConnectionsPerWorker; }, 0, 100'000);
    c << duration(
        d(S::Global, u"upstream"_s, u"idle_connection_expiry_ms"_s, {u"UPSTREAM_IDLE_CONNECTION_EXPIRY_MS"_s},
          u"upstream-idle-connection-expiry-ms"_s, u"ms"_s,
          u"Idle connections to the target are closed after this time."_s),
        [](auto &t) -> auto & { return t.config->upstream.idleConnectionExpiry; });

    // [limits]
    c << integer(
        d(S::Global, u"limits"_s, u"max_header_bytes"_s, {u"MAX_HEADER_BYTES"_s}, u"max-header-bytes"_s,
          u"bytes"_s, u"Largest request header section; larger ones get 431."_s),
        [](auto &t) -> auto & { return t.config->limits.maxHeaderBytes; }, 1024, 16 * 1024 * 1024);
    c << integer(
        d(S::Global, u"limits"_s, u"max_request_target_bytes"_s, {u"MAX_REQUEST_TARGET_BYTES"_s},
          u"max-request-target-bytes"_s, u"bytes"_s, u"Longest request target; longer ones get 414."_s),
        [](auto &t) -> auto & { return t.config->limits.maxRequestTargetBytes; }, 256, 16 * 1024 * 1024);
    c << duration(
        d(S::Global, u"limits"_s, u"header_timeout_ms"_s, {u"HEADER_TIMEOUT_MS"_s}, u"header-timeout-ms"_s,
          u"ms"_s, u"Time a client has to send the whole request head."_s),
        [](auto &t) -> auto & { return t.config->limits.headerTimeout; });
    c << duration(
        d(S::Global, u"limits"_s, u"client_idle_timeout_ms"_s, {u"CLIENT_IDLE_TIMEOUT_MS"_s},
          u"client-idle-timeout-ms"_s, u"ms"_s,
          u"Idle keep-alive client connections are closed after this."_s),
        [](auto &t) -> auto & { return t.config->limits.clientIdleTimeout; });
    c << duration(
        d(S::Global, u"limits"_s, u"drain_timeout_ms"_s, {u"DRAIN_TIMEOUT_MS"_s}, u"drain-timeout-ms"_s,
          u"ms"_s, u"On stop, in-flight requests get this long to finish."_s),
        [](auto &t) -> auto & { return t.config->limits.drainTimeout; }, 0);
    c << duration(
        d(S::Global, u"limits"_s, u"token_wait_timeout_ms"_s, {u"TOKEN_WAIT_TIMEOUT_MS"_s},
          u"token-wait-timeout-ms"_s, u"ms"_s,
          u"Requests arriving before the first token wait this long, then get 503."_s),
        [](auto &t) -> auto & { return t.config->limits.tokenWaitTimeout; }, 0);
    c << duration(
        d(S::Global, u"limits"_s, u"request_body_timeout_ms"_s, {u"REQUEST_BODY_TIMEOUT_MS"_s},
          u"request-body-timeout-ms"_s, u"ms"_s,
          u"A request body gets this long, plus a second per request_body_min_rate bytes received; "
          u"slower bodies get 408."_s),
        [](auto &t) -> auto & { return t.config->limits.requestBodyTimeout; });
    c << integer(
        d(S::Global, u"limits"_s, u"request_body_min_rate"_s, {u"REQUEST_BODY_MIN_RATE"_s},
          u"request-body-min-rate"_s, u"bytes/s"_s,
          u"Slowest request body accepted after request_body_timeout_ms (0: no rate, the time-out alone)."_s),
        [](auto &t) -> auto & { return t.config->limits.requestBodyMinRate; }, 0, 1024 * 1024 * 1024);

    // [token]
    SettingDescriptor refresh =
        d(S::Global, u"token"_s, u"refresh_percent"_s, {u"AAD_TOKEN_REFRESH_INTERVAL_IN_PERCENTAGE"_s},
          u"token-refresh-percent"_s, u"percent"_s,
          u"Refresh when this percentage of the token lifetime is left (1..99; other values: 10)."_s);
    refresh.apply = applyRefreshPercent;
    refresh.format = [](const ConstSettingTarget &t) {
        return QString::number(t.config->token.refreshPercent);
    };
    c << refresh;
    c << duration(
        d(S::Global, u"token"_s, u"request_timeout_ms"_s, {u"TOKEN_REQUEST_TIMEOUT_MS"_s},
          u"token-request-timeout-ms"_s, u"ms"_s, u"Timeout of each token request."_s),
        [](auto &t) -> auto & { return t.config->token.requestTimeout; });

    // [outbound_proxy]
    SettingDescriptor proxy = url(
        d(S::Global, u"outbound_proxy"_s, u"https_proxy"_s, {u"HTTPS_PROXY"_s, u"https_proxy"_s},
          u"https-proxy"_s, u"url"_s,
          u"HTTP proxy for https targets and token requests to Entra (CONNECT; never for IMDS, Arc or App "
          u"Service); http://[user:password@]host:port."_s),
        [](auto &t) -> auto & { return t.config->outboundProxy.httpsProxy; }, false);
    proxy.apply = [](const SettingTarget &t, const QString &value) -> ApplyResult {
        auto parsed = values::parseHttpUrl(value, u"http"_s, false);
        if (!parsed)
            return Unexpected(parsed.error());
        t.config->outboundProxy.httpsProxy = *parsed;
        return QString();
    };
    proxy.secret = true; // the URL may carry a password
    proxy.warnOnEqualTwins = false;
    c << proxy;
    SettingDescriptor httpProxy = make(
        d(S::Global, u"outbound_proxy"_s, u"http_proxy"_s, {u"HTTP_PROXY"_s, u"http_proxy"_s},
          u"http-proxy"_s, u"url"_s,
          u"HTTP proxy for plain-http targets; http://[user:password@]host:port."_s),
        [](auto &t) -> auto & { return t.config->outboundProxy.httpProxy; },
        [](const QString &value) { return values::parseHttpUrl(value, u"http"_s, false); },
        values::formatUrl);
    httpProxy.secret = true;
    httpProxy.type = SettingType::Url;
    httpProxy.warnOnEqualTwins = false;
    c << httpProxy;
    SettingDescriptor noProxy = list(
        d(S::Global, u"outbound_proxy"_s, u"no_proxy"_s, {u"NO_PROXY"_s, u"no_proxy"_s}, u"no-proxy"_s,
          u"hosts"_s,
          u"Comma-separated hosts, domains (.example.com) and ranges reached without the proxy."_s),
        [](auto &t) -> auto & { return t.config->outboundProxy.noProxy; });
    noProxy.warnOnEqualTwins = false;
    c << noProxy;

    // [telemetry]
    c << text(
        d(S::Global, u"telemetry"_s, u"service_name"_s, {u"OTEL_SERVICE_NAME"_s}, u"otel-service-name"_s,
          u"name"_s, u"service.name of traces and metrics."_s),
        [](auto &t) -> auto & { return t.config->telemetry.serviceName; });
    // host:port means plain http, as the original's OTEL_GRPC_ENDPOINT does.
    const auto endpoint = [](const QString &value) { return values::parseHttpUrl(value, u"http"_s, false); };
    SettingDescriptor grpcEndpoint = make(
        d(S::Global, u"telemetry"_s, u"grpc_endpoint"_s, {u"OTEL_GRPC_ENDPOINT"_s}, u"otel-grpc-endpoint"_s,
          u"url"_s,
          u"OTLP collector as the original names it: host:port, http://host:port (plain) or https://host:port (TLS with the ca_bundle CAs)."_s),
        [](auto &t) -> auto & { return t.config->telemetry.grpcEndpoint; }, endpoint, values::formatUrl);
    grpcEndpoint.type = SettingType::Url;
    c << grpcEndpoint;
    SettingDescriptor otlpEndpoint = make(
        d(S::Global, u"telemetry"_s, u"otlp_endpoint"_s, {u"OTEL_EXPORTER_OTLP_ENDPOINT"_s},
          u"otlp-endpoint"_s, u"url"_s,
          u"OTLP collector (wins over grpc_endpoint); neither set: localhost:4317 for grpc, localhost:4318 for http/protobuf."_s),
        [](auto &t) -> auto & { return t.config->telemetry.otlpEndpoint; }, endpoint, values::formatUrl);
    otlpEndpoint.type = SettingType::Url;
    c << otlpEndpoint;
    c << choice(d(S::Global, u"telemetry"_s, u"otlp_protocol"_s, {u"OTEL_EXPORTER_OTLP_PROTOCOL"_s},
                  u"otlp-protocol"_s, u"protocol"_s, u"grpc or http/protobuf."_s),
                [](auto &t) -> auto & { return t.config->telemetry.protocol; }, values::parseOtlpProtocol,
                values::otlpProtocolName, {OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf});
    SettingDescriptor otlpHeaders = make(
        d(S::Global, u"telemetry"_s, u"otlp_headers"_s, {u"OTEL_EXPORTER_OTLP_HEADERS"_s}, u"otlp-headers"_s,
          u"k=v,..."_s,
          u"Headers (gRPC metadata) sent with every export, e.g. an API key; percent-encoded values."_s),
        [](auto &t) -> auto & { return t.config->telemetry.otlpHeaders; },
        [](const QString &value) -> Expected<Secret, QString> {
            if (auto parsed = values::parseKeyValueList(value); !parsed)
                return Unexpected(parsed.error());
            return Secret(value.trimmed());
        },
        [](const Secret &value) { return value.redacted(); });
    otlpHeaders.secret = true;
    otlpHeaders.type = SettingType::Secret;
    c << otlpHeaders;
    c << make(
        d(S::Global, u"telemetry"_s, u"resource_attributes"_s, {u"OTEL_RESOURCE_ATTRIBUTES"_s},
          u"otel-resource-attributes"_s, u"k=v,..."_s,
          u"Resource attributes of every span and metric (service.name comes from service_name)."_s),
        [](auto &t) -> auto & { return t.config->telemetry.resourceAttributes; },
        [](const QString &value) -> Expected<QString, QString> {
            if (auto parsed = values::parseKeyValueList(value); !parsed)
                return Unexpected(parsed.error());
            return value.trimmed();
        },
        formatText);
    c << boolean(
        d(S::Global, u"telemetry"_s, u"sdk_disabled"_s, {u"OTEL_SDK_DISABLED"_s}, u"otel-sdk-disabled"_s,
          u"bool"_s, u"true: no traces and no OTLP export (/metrics stays)."_s),
        [](auto &t) -> auto & { return t.config->telemetry.sdkDisabled; });
    c << choice(
        d(S::Global, u"telemetry"_s, u"traces_sampler"_s, {u"OTEL_TRACES_SAMPLER"_s},
          u"otel-traces-sampler"_s, u"sampler"_s,
          u"always_on, always_off, traceidratio, parentbased_always_on (default), parentbased_always_off or parentbased_traceidratio."_s),
        [](auto &t) -> auto & { return t.config->telemetry.tracesSampler; }, values::parseTracesSampler,
        values::tracesSamplerName,
        {TracesSampler::AlwaysOn, TracesSampler::AlwaysOff, TracesSampler::TraceIdRatio,
         TracesSampler::ParentBasedAlwaysOn, TracesSampler::ParentBasedAlwaysOff,
         TracesSampler::ParentBasedTraceIdRatio});
    c << make(
        d(S::Global, u"telemetry"_s, u"traces_sampler_arg"_s, {u"OTEL_TRACES_SAMPLER_ARG"_s},
          u"otel-traces-sampler-arg"_s, u"ratio"_s,
          u"Sampling probability of the traceidratio samplers (0..1)."_s),
        [](auto &t) -> auto & { return t.config->telemetry.tracesSamplerRatio; }, values::parseRatio,
        [](double value) { return QString::number(value); });
    c << duration(
        d(S::Global, u"telemetry"_s, u"span_export_delay_ms"_s, {u"OTEL_BSP_SCHEDULE_DELAY"_s},
          u"span-export-delay-ms"_s, u"ms"_s, u"Spans are exported in batches this often."_s),
        [](auto &t) -> auto & { return t.config->telemetry.spanExportDelay; }, 10);
    c << duration(
        d(S::Global, u"telemetry"_s, u"metric_export_interval_ms"_s, {u"OTEL_METRIC_EXPORT_INTERVAL"_s},
          u"metric-export-interval-ms"_s, u"ms"_s, u"Metrics are exported over OTLP this often."_s),
        [](auto &t) -> auto & { return t.config->telemetry.metricExportInterval; }, 10);
    c << duration(
        d(S::Global, u"telemetry"_s, u"export_timeout_ms"_s, {u"OTEL_EXPORTER_OTLP_TIMEOUT"_s},
          u"otlp-timeout-ms"_s, u"ms"_s, u"Each export call gives up after this."_s),
        [](auto &t) -> auto & { return t.config->telemetry.exportTimeout; }, 10);
    c << boolean(
        d(S::Global, u"telemetry"_s, u"prometheus_metrics"_s, {u"PROMETHEUS_METRICS"_s},
          u"prometheus-metrics"_s, u"bool"_s,
          u"Answer /metrics (Prometheus text) on the listener and the admin port; false: /metrics is forwarded."_s),
        [](auto &t) -> auto & { return t.config->telemetry.prometheusMetrics; });
    SettingDescriptor adminPort = make(
        d(S::Global, u"telemetry"_s, u"admin_port"_s, {u"ADMIN_PORT"_s}, u"admin-port"_s, u"port"_s,
          u"A second listener on the listen address for /metrics, /health and /ready only; 0 = none."_s),
        [](auto &t) -> auto & { return t.config->telemetry.adminPort; },
        [](const QString &value) -> Expected<quint16, QString> {
            if (value.trimmed() == u"0"_s)
                return quint16{0};
            return values::parsePort(value);
        },
        [](quint16 value) { return QString::number(value); });
    adminPort.type = SettingType::Integer;
    adminPort.maximum = 65535;
    c << adminPort;

    // [log]
    c << choice(d(S::Global, u"log"_s, u"level"_s, {u"LOG_LEVEL"_s}, u"log-level"_s, u"level"_s,
                  u"debug, info, warning or error."_s),
                [](auto &t) -> auto & { return t.config->logLevel; }, values::parseLogLevel,
                values::logLevelName, {LogLevel::Debug, LogLevel::Info, LogLevel::Warning, LogLevel::Error});

    // [control]
    c << text(
        d(S::Global, u"control"_s, u"socket"_s, {u"CONTROL_SOCKET"_s}, u"control-socket"_s, u"path"_s,
          u"Control socket (named pipe on Windows) for the configurator; empty = /run/aad-auth-proxy/control.sock (Windows: pipe aad-auth-proxy-control)."_s),
        [](auto &t) -> auto & { return t.config->control.socketPath; });
    c << boolean(
        d(S::Global, u"control"_s, u"enabled"_s, {u"CONTROL_ENABLED"_s}, u"control-enabled"_s, u"bool"_s,
          u"Offer the control socket (docs/control-protocol.md)."_s),
        [](auto &t) -> auto & { return t.config->control.enabled; });

    // [service]
    c << integer(
        d(S::Global, u"service"_s, u"worker_threads"_s, {u"WORKER_THREADS"_s}, u"worker-threads"_s,
          u"count"_s, u"Worker threads of the data path; 0 = one per core."_s),
        [](auto &t) -> auto & { return t.config->workerThreads; }, 0, 256);
    return c;
}

} // namespace

QString SettingDescriptor::id(const QString &scopeName) const
{
    if (scope == SettingScope::Global)
        return section + QLatin1Char('.') + key;
    return section + QLatin1Char('.') + (scopeName.isEmpty() ? u"default"_s : scopeName) + QLatin1Char('.') +
           key;
}

const QList<SettingDescriptor> &SettingCatalog::all()
{
    static const QList<SettingDescriptor> catalog = buildCatalog();
    return catalog;
}

const SettingDescriptor *SettingCatalog::find(const QString &section, const QString &key)
{
    for (const SettingDescriptor &setting : all()) {
        if (setting.section.compare(section, Qt::CaseInsensitive) == 0 &&
            setting.key.compare(key, Qt::CaseInsensitive) == 0)
            return &setting;
    }
    return nullptr;
}

const SettingDescriptor *SettingCatalog::findByFlag(const QString &flag)
{
    for (const SettingDescriptor &setting : all()) {
        if (setting.flag == flag)
            return &setting;
    }
    return nullptr;
}

bool SettingCatalog::isKnownSection(const QString &section)
{
    const auto &settings = all();
    return std::any_of(settings.cbegin(), settings.cend(), [&](const SettingDescriptor &s) {
        return s.section.compare(section, Qt::CaseInsensitive) == 0;
    });
}

} // namespace aap::config
