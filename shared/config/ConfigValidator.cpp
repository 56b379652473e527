#include "config/ConfigValidator.h"

#include "config/CertificateCheck.h"
#include "config/ConfigFile.h"
#include "config/ConfigValues.h"
#include "config/SecretFile.h"
#include "config/SettingCatalog.h"

#include <QFileInfo>
#include <QHostAddress>
#include <QSet>

#include <utility>

namespace aap::config {

using namespace Qt::StringLiterals;

namespace {

class Validator {
public:
    explicit Validator(const LoadedConfig &loaded) : m_loaded(loaded) {}

    ConfigIssues run()
    {
        checkListener();
        checkRoutes();
        for (const IdentityConfig &identity : m_loaded.config.identities)
            checkIdentity(identity);
        checkUpstream();
        checkSecretFiles();
        checkNotYetSupported();
        return std::move(m_issues);
    }

private:
    // Settings the configuration model already has for the roadmap but this version does not act
    // on (SettingDescriptor::support). A refused one is an error as soon as it holds a value:
    // silently ignoring inbound protection or header overrides would expose the identity or change
    // requests behind the operator's back. An ignored one is harmless, but the operator must know
    // that nothing happens yet.
    void checkNotYetSupported()
    {
        const ServiceConfig &config = m_loaded.config;
        const ServiceConfig defaults;
        const RouteConfig defaultRoute;
        const IdentityConfig defaultIdentity;
        for (const SettingDescriptor &setting : SettingCatalog::all()) {
            if (setting.support == SettingSupport::Supported)
                continue;
            auto check = [&](const QString &name, const ConstSettingTarget &target,
                             const ConstSettingTarget &unset) {
                const QString settingId = setting.id(name);
                if (setting.support == SettingSupport::Refused) {
                    if (setting.format(target) != setting.format(unset))
                        error(settingId, u"is not supported by this version yet; remove it"_s);
                } else if (m_loaded.origin(settingId).kind != SettingOrigin::Kind::Default) {
                    warning(settingId, setting.supportNote.isEmpty()
                                           ? u"is not acted on by this version yet"_s
                                           : setting.supportNote);
                }
            };
            switch (setting.scope) {
            case SettingScope::Global:
                check({}, {&config, nullptr, nullptr}, {&defaults, nullptr, nullptr});
                break;
            case SettingScope::Route:
                for (const RouteConfig &route : config.routes)
                    check(route.name, {&config, &route, nullptr}, {&defaults, &defaultRoute, nullptr});
                break;
            case SettingScope::Identity:
                for (const IdentityConfig &identity : config.identities)
                    check(identity.name, {&config, nullptr, &identity},
                          {&defaults, nullptr, &defaultIdentity});
                break;
            }
        }
    }

    [[nodiscard]] QString id(const QString &section, const QString &key, const QString &name = {}) const
    {
        const SettingDescriptor *setting = SettingCatalog::find(section, key);
        Expects(setting != nullptr);
        return setting->id(name);
    }

    void error(const QString &settingId, const QString &message)
    {
        m_issues.append(ConfigIssue::error(settingId, m_loaded.origin(settingId), message));
    }

    void warning(const QString &settingId, const QString &message)
    {
        m_issues.append(ConfigIssue::warning(settingId, m_loaded.origin(settingId), message));
    }

    // "set TARGET_HOST, --target-host or target_host in [route]" for the default route.
    static QString howToSet(const QString &section, const QString &key, const QString &name)
    {
        const SettingDescriptor *setting = SettingCatalog::find(section, key);
        Expects(setting != nullptr);
        if (name != u"default")
            return u"set "_s + key + u" in "_s + ConfigFile::sectionHeader(section, name);
        return u"set "_s + setting->envNames.first() + u", --"_s + setting->flag + u" or "_s + key +
               u" in ["_s + section + u"]"_s;
    }

    void checkFile(const QString &section, const QString &key, const QString &name, const QString &path)
    {
        if (path.isEmpty())
            return;
        if (auto readable = CertificateCheck::checkReadableFile(path); !readable)
            error(id(section, key, name), readable.error());
    }

    // A password given directly or through its _FILE twin (not both).
    Secret password(const QString &section, const QString &key, const QString &name, const Secret &value,
                    const QString &file)
    {
        if (!value.isEmpty() && !file.isEmpty())
            error(id(section, key + u"_file"_s, name),
                  u"set either "_s + key + u" or "_s + key + u"_file, not both"_s);
        auto resolved = SecretFile::resolve(value, file);
        if (!resolved) {
            error(id(section, key + u"_file"_s, name), resolved.error());
            return {};
        }
        return *resolved;
    }

    void checkListener()
    {
        const ListenerConfig &listener = m_loaded.config.listener;
        const InboundAuthConfig &inbound = listener.inboundAuth;
        const Secret keyPassword = password(u"listener"_s, u"tls_key_password"_s, {}, listener.tlsKeyPassword,
                                            listener.tlsKeyPasswordFile);
        if (!listener.tlsCertificatePath.isEmpty()) {
            if (auto checked = CertificateCheck::checkCertificateWithKey(listener.tlsCertificatePath,
                                                                         listener.tlsKeyPath, keyPassword);
                !checked)
                error(id(u"listener"_s, u"tls_certificate"_s), checked.error());
        } else if (!listener.tlsKeyPath.isEmpty()) {
            error(id(u"listener"_s, u"tls_key"_s), u"a listener key without tls_certificate has no use"_s);
        }
        if (!inbound.clientCaPath.isEmpty()) {
            if (listener.tlsCertificatePath.isEmpty())
                error(id(u"listener"_s, u"client_ca"_s),
                      u"client certificates (mutual TLS) need TLS on the listener: set tls_certificate"_s);
            else if (auto bundle = CertificateCheck::checkCaBundle(inbound.clientCaPath); !bundle)
                error(id(u"listener"_s, u"client_ca"_s), bundle.error());
        }
        QList<Secret> keys = inbound.apiKeys;
        if (!inbound.apiKeysFile.isEmpty()) {
            if (auto fromFile = SecretFile::readLines(inbound.apiKeysFile); fromFile)
                keys.append(*fromFile);
            else
                error(id(u"listener"_s, u"api_keys_file"_s), fromFile.error());
        }
        if (auto reason = ConfigValidator::unprotectedExposure(m_loaded.config.listener))
            warning(id(u"listener"_s, u"address"_s), *reason);
        for (const Secret &key : std::as_const(keys)) {
            if (key.reveal().size() < 16) {
                warning(id(u"listener"_s, u"api_keys"_s), u"an API key is shorter than 16 characters"_s);
                break;
            }
        }
        if (!keys.isEmpty() && inbound.apiKeyHeader.compare("authorization", Qt::CaseInsensitive) == 0)
            error(id(u"listener"_s, u"api_key_header"_s),
                  u"Authorization: ApiKey <key> is always accepted; name another header (e.g. X-Api-Key)"_s);
    }

    // Files that hold a secret or a private key: readable by others is a warning, writable by others
    // (anyone could swap the key or the secret) an error.
    void checkSecretFiles()
    {
        const ServiceConfig &config = m_loaded.config;
        const ListenerConfig &listener = config.listener;
        checkExposure(u"listener"_s, u"tls_certificate"_s, {},
                      listener.tlsKeyPath.isEmpty() ? listener.tlsCertificatePath : QString());
        checkExposure(u"listener"_s, u"tls_key"_s, {}, listener.tlsKeyPath);
        checkExposure(u"listener"_s, u"tls_key_password_file"_s, {}, listener.tlsKeyPasswordFile);
        checkExposure(u"listener"_s, u"api_keys_file"_s, {}, listener.inboundAuth.apiKeysFile);
        for (const IdentityConfig &identity : config.identities) {
            checkExposure(u"identity"_s, u"certificate_path"_s, identity.name,
                          identity.certificateKeyPath.isEmpty() ? identity.certificatePath : QString());
            checkExposure(u"identity"_s, u"certificate_key_path"_s, identity.name,
                          identity.certificateKeyPath);
            checkExposure(u"identity"_s, u"certificate_password_file"_s, identity.name,
                          identity.certificatePasswordFile);
            checkExposure(u"identity"_s, u"client_secret_file"_s, identity.name, identity.clientSecretFile);
        }
        for (const RouteConfig &route : config.routes) {
            checkExposure(u"route"_s, u"client_certificate"_s, route.name,
                          route.clientKeyPath.isEmpty() ? route.clientCertificatePath : QString());
            checkExposure(u"route"_s, u"client_key"_s, route.name, route.clientKeyPath);
            checkExposure(u"route"_s, u"client_certificate_password_file"_s, route.name,
                          route.clientCertificatePasswordFile);
        }
    }

    void checkExposure(const QString &section, const QString &key, const QString &name, const QString &path)
    {
        if (path.isEmpty() || !QFileInfo::exists(path))
            return;
        switch (SecretFile::exposure(path)) {
        case SecretFile::Exposure::WritableByOthers:
            error(id(section, key, name),
                  path + u" holds a secret or a private key and other users can write it; refused "
                         u"(chmod o-rwx)"_s);
            break;
        case SecretFile::Exposure::ReadableByOthers:
            warning(id(section, key, name),
                    path + u" holds a secret or a private key and other users can read it (chmod o-rwx)"_s);
            break;
        case SecretFile::Exposure::Private:
            break;
        }
    }

    void checkRoutes()
    {
        const ServiceConfig &config = m_loaded.config;
        QSet<QString> identities;
        for (const IdentityConfig &identity : config.identities)
            identities.insert(identity.name);
        QHash<QString, QString> prefixes;
        for (const RouteConfig &route : config.routes) {
            const QString name = route.name;
            if (route.target.host.isEmpty()) {
                const QString what = name == u"default" ? u"TARGET_HOST"_s : u"target_host"_s;
                error(id(u"route"_s, u"target_host"_s, name),
                      what + u" is required: "_s + howToSet(u"route"_s, u"target_host"_s, name) +
                          u" (e.g. https://<dce>.<region>-1.metrics.ingest.monitor.azure.com)"_s);
            } else if (!route.target.isTls()) {
                warning(id(u"route"_s, u"target_host"_s, name),
                        u"plain http to the target: the bearer token is sent unencrypted"_s);
            }
            if (route.audience.isEmpty()) {
                const QString what = name == u"default" ? u"AUDIENCE"_s : u"audience"_s;
                error(id(u"route"_s, u"audience"_s, name), what + u" is required: "_s +
                                                               howToSet(u"route"_s, u"audience"_s, name) +
                                                               u" (e.g. https://monitor.azure.com)"_s);
            }
            if (!identities.contains(route.identity))
                error(id(u"route"_s, u"identity"_s, name), u"names the identity '"_s + route.identity +
                                                               u"', but there is no [identity \""_s +
                                                               route.identity + u"\"] section"_s);
            // A route with a port of its own is reached only there: its prefix shares nothing.
            if (route.listenPort == 0 && prefixes.contains(route.pathPrefix))
                error(id(u"route"_s, u"path_prefix"_s, name), u"path prefix '"_s + route.pathPrefix +
                                                                  u"' is also used by route '"_s +
                                                                  prefixes.value(route.pathPrefix) + u"'"_s);
            if (route.listenPort == 0)
                prefixes.insert(route.pathPrefix, name);
            checkRouteExtras(route);
        }
    }

    void checkRouteExtras(const RouteConfig &route)
    {
        const QString name = route.name;
        if (route.listenPort != 0) {
            if (route.listenPort == m_loaded.config.listener.port)
                error(id(u"route"_s, u"listen_port"_s, name),
                      u"is the main listener's port; choose another one"_s);
            for (const RouteConfig &other : m_loaded.config.routes) {
                if (&other != &route && other.listenPort == route.listenPort) {
                    error(id(u"route"_s, u"listen_port"_s, name),
                          u"is also the port of route '"_s + other.name + u"'"_s);
                    break;
                }
            }
        }
        for (const auto &[header, value] : route.overrideRequestHeaders) {
            Q_UNUSED(value);
            if (const QString reason = values::reservedHeaderReason(header); !reason.isEmpty())
                error(id(u"route"_s, u"override_request_headers"_s, name),
                      u"the "_s + QString::fromLatin1(header) + u" header cannot be overridden: "_s + reason);
        }
        const Secret clientPassword =
            password(u"route"_s, u"client_certificate_password"_s, name, route.clientCertificatePassword,
                     route.clientCertificatePasswordFile);
        if (!route.clientCertificatePath.isEmpty()) {
            if (!route.target.isTls())
                warning(id(u"route"_s, u"client_certificate"_s, name),
                        u"the target is plain http: the client certificate is never presented"_s);
            if (auto checked = CertificateCheck::checkCertificateWithKey(route.clientCertificatePath,
                                                                         route.clientKeyPath, clientPassword);
                !checked)
                error(id(u"route"_s, u"client_certificate"_s, name), checked.error());
        } else if (!route.clientKeyPath.isEmpty()) {
            error(id(u"route"_s, u"client_key"_s, name),
                  u"a client key without client_certificate has no use"_s);
        }
    }

    void checkIdentity(const IdentityConfig &identity)
    {
        const QString name = identity.name;
        const QString kindId = id(u"identity"_s, u"type"_s, name);
        const int selectors = int(!identity.clientId.isEmpty()) + int(!identity.objectId.isEmpty()) +
                              int(!identity.resourceId.isEmpty());
        const bool hasCertificate = !identity.certificatePath.isEmpty();
        const bool hasSecret = !identity.clientSecret.isEmpty() || !identity.clientSecretFile.isEmpty();

        switch (identity.kind) {
        case IdentityKind::SystemAssigned:
            if (selectors > 0)
                warning(kindId,
                        u"systemAssigned ignores client_id, object_id and resource_id; use userAssigned "
                        u"to select a user-assigned identity"_s);
            break;
        case IdentityKind::UserAssigned:
            if (selectors == 0)
                error(kindId, u"userAssigned needs the identity's client id ("_s +
                                  howToSet(u"identity"_s, u"client_id"_s, name) +
                                  u"), or its object_id or resource_id"_s);
            else if (selectors > 1)
                error(kindId, u"userAssigned takes exactly one of client_id, object_id and resource_id"_s);
            break;
        case IdentityKind::AadApplication:
            if (identity.tenantId.isEmpty())
                error(kindId,
                      u"aadApplication needs a tenant: "_s + howToSet(u"identity"_s, u"tenant_id"_s, name));
            if (identity.clientId.isEmpty())
                error(kindId, u"aadApplication needs the application's client id: "_s +
                                  howToSet(u"identity"_s, u"client_id"_s, name));
            if (!hasCertificate && !hasSecret)
                error(kindId, u"aadApplication needs a credential: a certificate ("_s +
                                  howToSet(u"identity"_s, u"certificate_path"_s, name) +
                                  u") or a client secret (AZURE_CLIENT_SECRET or client_secret_file)"_s);
            else if (hasCertificate && hasSecret)
                warning(kindId, u"both a certificate and a client secret are set; the certificate is used"_s);
            break;
        case IdentityKind::WorkloadIdentity:
            if (identity.tenantId.isEmpty())
                error(kindId,
                      u"workloadIdentity needs a tenant: "_s + howToSet(u"identity"_s, u"tenant_id"_s, name));
            if (identity.clientId.isEmpty())
                error(kindId, u"workloadIdentity needs a client id: "_s +
                                  howToSet(u"identity"_s, u"client_id"_s, name));
            if (identity.federatedTokenFile.isEmpty())
                error(kindId, u"workloadIdentity needs the federated token file: "_s +
                                  howToSet(u"identity"_s, u"federated_token_file"_s, name));
            break;
        case IdentityKind::Default:
            break;
        }

        const bool usesCertificate =
            identity.kind == IdentityKind::AadApplication || identity.kind == IdentityKind::Default;
        const Secret certificatePassword =
            password(u"identity"_s, u"certificate_password"_s, name, identity.certificatePassword,
                     identity.certificatePasswordFile);
        if (hasCertificate && usesCertificate) {
            if (auto checked = CertificateCheck::checkCertificateWithKey(
                    identity.certificatePath, identity.certificateKeyPath, certificatePassword);
                !checked)
                error(id(u"identity"_s, u"certificate_path"_s, name), checked.error());
        } else if (!identity.certificateKeyPath.isEmpty() && !hasCertificate) {
            error(id(u"identity"_s, u"certificate_key_path"_s, name),
                  u"a certificate key without certificate_path has no use"_s);
        }
        if (!identity.clientSecret.isEmpty() && !identity.clientSecretFile.isEmpty())
            error(id(u"identity"_s, u"client_secret_file"_s, name),
                  u"set either client_secret or client_secret_file, not both"_s);
        if (identity.kind == IdentityKind::AadApplication || identity.kind == IdentityKind::Default)
            checkFile(u"identity"_s, u"client_secret_file"_s, name, identity.clientSecretFile);
        if (identity.kind == IdentityKind::WorkloadIdentity || identity.kind == IdentityKind::Default)
            checkFile(u"identity"_s, u"federated_token_file"_s, name, identity.federatedTokenFile);
    }

    void checkUpstream()
    {
        const UpstreamConfig &upstream = m_loaded.config.upstream;
        if (!upstream.caBundlePath.isEmpty()) {
            if (auto bundle = CertificateCheck::checkCaBundle(upstream.caBundlePath); !bundle)
                error(id(u"upstream"_s, u"ca_bundle"_s), bundle.error());
        }
        // The default idle cap equals the default connection cap; a lower connection cap bounds
        // the idle ones too, so only an idle cap set above it is a mistake.
        const QString idleId = id(u"upstream"_s, u"max_idle_connections_per_worker"_s);
        if (upstream.maxIdleConnectionsPerWorker > upstream.maxConnectionsPerWorker &&
            m_loaded.origin(idleId).kind != SettingOrigin::Kind::Default)
            error(idleId, u"is larger than max_connections_per_worker ("_s +
                              QString::number(upstream.maxConnectionsPerWorker) + u")"_s);
    }

    const LoadedConfig &m_loaded;
    ConfigIssues m_issues;
};

} // namespace

std::optional<QString> ConfigValidator::unprotectedExposure(const ListenerConfig &listener)
{
    if (listener.address.isLoopback() || listener.isProtected())
        return std::nullopt;
    return u"listening on "_s + values::formatHostAddress(listener.address) +
           u" without inbound protection: anyone who can reach the port gets requests signed with the "
           u"proxy's identity (set api_keys, api_keys_file, allowed_cidrs or client_ca; see docs/security.md)"_s;
}

ConfigIssues ConfigValidator::validate(const LoadedConfig &loaded)
{
    return Validator(loaded).run();
}

} // namespace aap::config
