#include "config/ConfigValidator.h"

#include "config/CertificateCheck.h"
#include "config/ConfigFile.h"
#include "config/ConfigValues.h"
#include "config/SettingCatalog.h"

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
        checkNotYetSupported();
        return std::move(m_issues);
    }

private:
    // Settings the configuration model already has for the roadmap but this version does not act
    // on. Inbound protection and header overrides are errors: silently ignoring them would expose
    // the identity or change requests behind the operator's back.
    void checkNotYetSupported()
    {
        const auto &config = m_loaded.config;
        const QString notYet = QStringLiteral("is not supported by this version yet; remove it");
        if (!config.listener.tlsCertificatePath.isEmpty())
            error(id(QStringLiteral("listener"), QStringLiteral("tls_certificate")), notYet);
        if (!config.listener.inboundAuth.apiKeys.isEmpty())
            error(id(QStringLiteral("listener"), QStringLiteral("api_keys")), notYet);
        if (!config.listener.inboundAuth.allowedCidrs.isEmpty())
            error(id(QStringLiteral("listener"), QStringLiteral("allowed_cidrs")), notYet);
        if (!config.listener.inboundAuth.clientCaPath.isEmpty())
            error(id(QStringLiteral("listener"), QStringLiteral("client_ca")), notYet);
        for (const RouteConfig &route : config.routes) {
            if (!route.overrideRequestHeaders.isEmpty())
                error(id(QStringLiteral("route"), QStringLiteral("override_request_headers"), route.name),
                      notYet);
        }
        // Harmless to accept (nothing is exposed), but the operator must know nothing happens yet.
        const QString comesLater = QStringLiteral("is not acted on by this version yet");
        for (const auto &[section, key] : {std::pair{QStringLiteral("control"), QStringLiteral("enabled")},
                                           std::pair{QStringLiteral("control"), QStringLiteral("socket")}}) {
            const QString settingId = id(section, key);
            if (m_loaded.origin(settingId).kind != SettingOrigin::Kind::Default)
                warning(settingId, comesLater);
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

    void checkListener()
    {
        const ListenerConfig &listener = m_loaded.config.listener;
        const InboundAuthConfig &inbound = listener.inboundAuth;
        if (!listener.tlsCertificatePath.isEmpty()) {
            if (auto checked = CertificateCheck::checkCertificateWithKey(listener.tlsCertificatePath,
                                                                         listener.tlsKeyPath, Secret());
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
        const bool protectedListener =
            !inbound.apiKeys.isEmpty() || !inbound.allowedCidrs.isEmpty() || !inbound.clientCaPath.isEmpty();
        if (!listener.address.isLoopback() && !protectedListener)
            warning(
                id(u"listener"_s, u"address"_s),
                u"listening on "_s + values::formatHostAddress(listener.address) +
                    u" without inbound protection: anyone who can reach the port gets requests signed with "
                    u"the proxy's identity (set api_keys or allowed_cidrs)"_s);
        for (const Secret &key : inbound.apiKeys) {
            if (key.reveal().size() < 16) {
                warning(id(u"listener"_s, u"api_keys"_s), u"an API key is shorter than 16 characters"_s);
                break;
            }
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
            if (prefixes.contains(route.pathPrefix))
                error(id(u"route"_s, u"path_prefix"_s, name), u"path prefix '"_s + route.pathPrefix +
                                                                  u"' is also used by route '"_s +
                                                                  prefixes.value(route.pathPrefix) + u"'"_s);
            prefixes.insert(route.pathPrefix, name);
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
        if (hasCertificate && usesCertificate) {
            if (auto checked = CertificateCheck::checkCertificateWithKey(
                    identity.certificatePath, identity.certificateKeyPath, identity.certificatePassword);
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
        if (upstream.maxIdleConnectionsPerWorker > upstream.maxConnectionsPerWorker)
            error(id(u"upstream"_s, u"max_idle_connections_per_worker"_s),
                  u"is larger than max_connections_per_worker ("_s +
                      QString::number(upstream.maxConnectionsPerWorker) + u")"_s);
    }

    const LoadedConfig &m_loaded;
    ConfigIssues m_issues;
};

} // namespace

ConfigIssues ConfigValidator::validate(const LoadedConfig &loaded)
{
    return Validator(loaded).run();
}

} // namespace aap::config
