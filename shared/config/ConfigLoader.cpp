#include "config/ConfigLoader.h"

#include "config/CertificateCheck.h"
#include "config/ConfigFile.h"
#include "config/SettingCatalog.h"
#include "log/LogField.h"
#include "log/Logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>

namespace aap::config {

using namespace Qt::StringLiterals;

namespace {

const QString kDefaultName = u"default"_s;

class Loader {
public:
    explicit Loader(const ConfigSources &sources) : m_sources(sources) {}

    LoadedConfig run()
    {
        loadFile();
        loadEnvironment();
        checkSslCertFile();
        loadFlags();
        dropUnusedDefaults();
        return std::move(m_result);
    }

private:
    RouteConfig *route(const QString &name)
    {
        auto &routes = m_result.config.routes;
        const auto found =
            std::find_if(routes.begin(), routes.end(), [&](const RouteConfig &r) { return r.name == name; });
        if (found != routes.end())
            return &*found;
        RouteConfig created;
        created.name = name;
        routes.append(created);
        return &routes.last();
    }

    IdentityConfig *identity(const QString &name)
    {
        auto &identities = m_result.config.identities;
        const auto found = std::find_if(identities.begin(), identities.end(),
                                        [&](const IdentityConfig &i) { return i.name == name; });
        if (found != identities.end())
            return &*found;
        IdentityConfig created;
        created.name = name;
        identities.append(created);
        return &identities.last();
    }

    // Empty values count as not set, in every source (containers often pass VAR= for "unset").
    void apply(const SettingDescriptor &setting, const QString &scopeName, const QString &value,
               const SettingOrigin &origin)
    {
        if (value.trimmed().isEmpty())
            return;
        SettingTarget target{&m_result.config, nullptr, nullptr};
        if (setting.scope == SettingScope::Route)
            target.route = route(scopeName);
        else if (setting.scope == SettingScope::Identity)
            target.identity = identity(scopeName);
        const QString id = setting.id(scopeName);
        auto applied = setting.apply(target, value);
        if (!applied) {
            m_result.issues.append(ConfigIssue::error(id, origin, scrub(setting, value, applied.error())));
            return;
        }
        m_result.origins.insert(id, origin);
        if (!applied->isEmpty())
            m_result.issues.append(ConfigIssue::warning(id, origin, scrub(setting, value, *applied)));
        qCDebug(lcConfig).noquote() << "setting applied" << log::LogField::kv("setting", id)
                                    << log::LogField::kv("origin", origin.toString());
    }

    // Defence in depth: a message about a secret setting never contains its value.
    static QString scrub(const SettingDescriptor &setting, const QString &value, QString message)
    {
        if (setting.secret && !value.trimmed().isEmpty())
            message.replace(value.trimmed(), u"<redacted>"_s);
        return message;
    }

    void loadFile()
    {
        QString path;
        SettingOrigin pathOrigin;
        bool required = true;
        const QString fromEnvironment =
            m_sources.environment.value(QString::fromLatin1(ConfigLoader::kConfigPathVariable)).trimmed();
        if (m_sources.configFlag) {
            path = *m_sources.configFlag;
            pathOrigin = SettingOrigin::fromFlag(u"--config"_s);
        } else if (!fromEnvironment.isEmpty()) {
            path = fromEnvironment;
            pathOrigin =
                SettingOrigin::fromEnvironment(QString::fromLatin1(ConfigLoader::kConfigPathVariable));
        } else {
            path = m_sources.defaultConfigPath;
            required = false;
        }
        if (path.isEmpty() || (!required && !QFileInfo::exists(path)))
            return;
        QFile file(path);
        if (!file.exists()) {
            m_result.issues.append(ConfigIssue::error(u"config"_s, pathOrigin,
                                                      u"config file '"_s + path + u"' does not exist"_s));
            return;
        }
        if (!file.open(QIODevice::ReadOnly)) {
            m_result.issues.append(
                ConfigIssue::error(u"config"_s, pathOrigin,
                                   u"cannot read config file '"_s + path + u"': "_s + file.errorString()));
            return;
        }
        m_result.filePath = path;
        const ConfigFile parsed = ConfigFile::parse(QString::fromUtf8(file.readAll()));
        for (const ConfigFile::Problem &problem : parsed.problems())
            m_result.issues.append(
                ConfigIssue::error({}, SettingOrigin::fromFile(path, problem.line), problem.message));

        QHash<QString, int> seen;
        QSet<QString> unknownSections;
        bool hasSecrets = false;
        for (const ConfigFile::Entry &entry : parsed.entries()) {
            const SettingOrigin origin = SettingOrigin::fromFile(path, entry.line);
            const QString header = ConfigFile::sectionHeader(entry.section, entry.name);
            if (!SettingCatalog::isKnownSection(entry.section)) {
                if (!unknownSections.contains(header))
                    m_result.issues.append(ConfigIssue::warning(
                        {}, origin, u"unknown section "_s + header + u"; its keys are ignored"_s));
                unknownSections.insert(header);
                continue;
            }
            const SettingDescriptor *setting = SettingCatalog::find(entry.section, entry.key);
            if (setting == nullptr) {
                m_result.issues.append(ConfigIssue::warning(
                    {}, origin, u"unknown key '"_s + entry.key + u"' in "_s + header + u"; ignored"_s));
                continue;
            }
            if (setting->scope == SettingScope::Global && !entry.name.isEmpty()) {
                m_result.issues.append(
                    ConfigIssue::warning({}, origin, u"section "_s + header + u" takes no name; ignored"_s));
                continue;
            }
            const QString scopeName = entry.name.isEmpty() ? kDefaultName : entry.name;
            const QString id = setting->id(scopeName);
            if (seen.contains(id))
                m_result.issues.append(ConfigIssue::warning(
                    id, origin, u"set again; this line overrides line "_s + QString::number(seen.value(id))));
            seen.insert(id, entry.line);
            hasSecrets = hasSecrets || (setting->secret && !entry.value.trimmed().isEmpty());
            apply(*setting, scopeName, entry.value, origin);
        }
        if (hasSecrets && (file.permissions() & QFileDevice::ReadOther))
            m_result.issues.append(ConfigIssue::warning(
                u"config"_s, SettingOrigin::fromFile(path, 0),
                u"the file contains secrets and is readable by every local user; restrict it (chmod 640)"_s));
    }

    void loadEnvironment()
    {
        for (const SettingDescriptor &setting : SettingCatalog::all()) {
            QStringList present;
            for (const QString &name : setting.envNames) {
                if (!m_sources.environment.value(name).trimmed().isEmpty())
                    present.append(name);
            }
            if (present.isEmpty())
                continue;
            const QString winner = present.first();
            const SettingOrigin origin = SettingOrigin::fromEnvironment(winner);
            const QString value = m_sources.environment.value(winner);
            for (qsizetype i = 1; i < present.size(); ++i) {
                const bool equal = m_sources.environment.value(present.at(i)).trimmed() == value.trimmed();
                if (!equal || setting.warnOnEqualTwins)
                    m_result.issues.append(ConfigIssue::warning(
                        setting.id(kDefaultName), origin,
                        winner + u" and "_s + present.at(i) + u" are both set; "_s + winner + u" wins"_s +
                            (equal ? QString() : u" (their values differ)"_s)));
            }
            apply(setting, kDefaultName, value, origin);
        }
    }

    // SSL_CERT_FILE is shared with every OpenSSL program, so the service trusts it in addition to
    // ca_bundle and only warns when it is unusable (the TLS layers then ignore it).
    void checkSslCertFile()
    {
        const QString name = u"SSL_CERT_FILE"_s;
        const QString path = m_sources.environment.value(name).trimmed();
        if (path.isEmpty())
            return;
        if (auto bundle = CertificateCheck::checkCaBundle(path); !bundle)
            m_result.issues.append(ConfigIssue::warning(name, SettingOrigin::fromEnvironment(name),
                                                        bundle.error() + u"; it is ignored"_s));
    }

    void loadFlags()
    {
        for (const auto &[flag, value] : m_sources.flags) {
            const SettingDescriptor *setting = SettingCatalog::findByFlag(flag);
            const SettingOrigin origin = SettingOrigin::fromFlag(u"--"_s + flag);
            if (setting == nullptr) {
                m_result.issues.append(ConfigIssue::error({}, origin, u"unknown flag"_s));
                continue;
            }
            apply(*setting, kDefaultName, value, origin);
        }
    }

    bool touched(const QString &prefix) const
    {
        const auto keys = m_result.origins.keys();
        return std::any_of(keys.cbegin(), keys.cend(),
                           [&](const QString &id) { return id.startsWith(prefix); });
    }

    // The implicit "default" route and identity stay only when something uses them: a file that
    // defines named routes only does not also get an empty default route.
    void dropUnusedDefaults()
    {
        auto &routes = m_result.config.routes;
        if (routes.size() > 1 && !touched(u"route.default."_s))
            routes.removeIf([](const RouteConfig &r) { return r.name == kDefaultName; });
        auto &identities = m_result.config.identities;
        const bool referenced = std::any_of(routes.cbegin(), routes.cend(),
                                            [](const RouteConfig &r) { return r.identity == kDefaultName; });
        if (identities.size() > 1 && !referenced && !touched(u"identity.default."_s))
            identities.removeIf([](const IdentityConfig &i) { return i.name == kDefaultName; });
    }

    const ConfigSources &m_sources;
    LoadedConfig m_result;
};

} // namespace

LoadedConfig ConfigLoader::load(const ConfigSources &sources)
{
    return Loader(sources).run();
}

QString ConfigLoader::defaultConfigPath(const QProcessEnvironment &environment)
{
#ifdef Q_OS_WIN
    QString programData = environment.value(u"ProgramData"_s);
    if (programData.isEmpty())
        programData = u"C:\\ProgramData"_s;
    return QDir::toNativeSeparators(programData + u"/aad-auth-proxy/aad-auth-proxy.conf"_s);
#else
    Q_UNUSED(environment)
    return u"/etc/aad-auth-proxy/aad-auth-proxy.conf"_s;
#endif
}

} // namespace aap::config
