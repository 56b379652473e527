#include "control/ServiceControl.h"

#include "auth/ProviderFactory.h"
#include "config/ConfigFile.h"
#include "config/ConfigValidator.h"
#include "config/SettingCatalog.h"
#include "ipc/MessageTypes.h"
#include "log/LogField.h"
#include "log/Logging.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QSaveFile>
#include <QTemporaryDir>

namespace aap::control {

using namespace Qt::StringLiterals;
namespace errors = ipc::errors;
namespace types = ipc::types;

namespace {

const QString kRedacted = u"<redacted>"_s;

ControlHandler::Result failure(QLatin1String code, const QString &message)
{
    return Unexpected(ipc::ControlError{code, message});
}

QJsonArray issuesJson(const config::ConfigIssues &issues)
{
    QJsonArray array;
    for (const config::ConfigIssue &issue : issues) {
        array.append(QJsonObject{{u"severity"_s, issue.isError() ? u"error"_s : u"warning"_s},
                                 {u"key"_s, issue.setting},
                                 {u"origin"_s, issue.origin.toString()},
                                 {u"message"_s, issue.message}});
    }
    return array;
}

bool isSecret(const config::ConfigFile::Entry &entry)
{
    const config::SettingDescriptor *setting = config::SettingCatalog::find(entry.section, entry.key);
    return setting != nullptr && setting->secret;
}

Expected<QString, QString> readText(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Unexpected(u"cannot read %1: %2"_s.arg(path, file.errorString()));
    return QString::fromUtf8(file.readAll());
}

} // namespace

ServiceControl::ServiceControl(Clock &clock, ServiceView view, config::ConfigSources sources,
                               QString configPath, Reload reload, Diagnose diagnose, QObject *parent)
    : QObject(parent), m_view(view), m_collector(clock, std::move(view)), m_sources(std::move(sources)),
      m_configPath(std::move(configPath)), m_reload(std::move(reload)), m_diagnose(std::move(diagnose))
{}

void ServiceControl::handle(const QString &type, const QJsonObject &payload, bool mayWrite, Reply reply)
{
    if (type == types::kStatus) {
        reply(m_collector.status());
    } else if (type == types::kConfigGet) {
        reply(configGet());
    } else if (type == types::kConfigValidate) {
        reply(configValidate(payload));
    } else if (type == types::kConfigApply) {
        if (!mayWrite) {
            reply(failure(
                errors::kPermissionDenied,
                u"applying a configuration needs root, the service's user or membership in the group aad-auth-proxy-admin"_s));
            return;
        }
        reply(configApply(payload));
    } else if (type == types::kRefresh) {
        if (!mayWrite) {
            reply(failure(
                errors::kPermissionDenied,
                u"refreshing tokens needs root, the service's user or membership in the group aad-auth-proxy-admin"_s));
            return;
        }
        qCInfo(lcIpc).noquote() << "token refresh requested over the control socket";
        m_view.refreshNow();
        reply(QJsonObject{});
    } else if (type == types::kDiagnose) {
        if (!m_diagnose) {
            reply(failure(errors::kUnavailable, u"this service cannot run a diagnosis"_s));
            return;
        }
        // Concurrent requests share one run: a diagnosis sends real token and target requests.
        m_diagnoseWaiters.append(std::move(reply));
        if (m_diagnosing)
            return;
        m_diagnosing = true;
        m_diagnose([this](const QJsonObject &result) {
            m_diagnosing = false;
            const QList<Reply> waiters = std::exchange(m_diagnoseWaiters, {});
            for (const Reply &waiter : waiters)
                waiter(result);
        });
    } else {
        reply(failure(errors::kUnknownType, u"unknown request type \"%1\""_s.arg(type)));
    }
}

QString ServiceControl::redact(const QString &text)
{
    config::ConfigFile file = config::ConfigFile::parse(text);
    for (const config::ConfigFile::Entry &entry : file.entries()) {
        if (isSecret(entry))
            file.setValue(entry.section, entry.name, entry.key, kRedacted);
    }
    return file.toText();
}

QString ServiceControl::unredact(const QString &text, const QString &current)
{
    config::ConfigFile file = config::ConfigFile::parse(text);
    const config::ConfigFile old = config::ConfigFile::parse(current);
    for (const config::ConfigFile::Entry &entry : file.entries()) {
        if (!isSecret(entry) || entry.value != kRedacted)
            continue;
        if (const auto kept = old.find(entry.section, entry.name, entry.key))
            file.setValue(entry.section, entry.name, entry.key, kept->value);
        else
            file.removeValue(entry.section, entry.name, entry.key);
    }
    return file.toText();
}

ControlHandler::Result ServiceControl::configGet() const
{
    config::ConfigSources sources = m_sources;
    const config::LoadedConfig loaded = config::ConfigLoader::load(sources);
    QJsonArray settings;
    const config::ServiceConfig &config = loaded.config;
    const auto add = [&settings, &loaded](const config::SettingDescriptor &setting, const QString &scopeName,
                                          const config::ConstSettingTarget &target) {
        const QString id = setting.id(scopeName);
        settings.append(QJsonObject{{u"key"_s, id},
                                    {u"value"_s, setting.format(target)},
                                    {u"origin"_s, loaded.origin(id).toString()}});
    };
    for (const config::SettingDescriptor &setting : config::SettingCatalog::all()) {
        switch (setting.scope) {
        case config::SettingScope::Global:
            add(setting, {}, config::ConstSettingTarget{&config, nullptr, nullptr});
            break;
        case config::SettingScope::Route:
            for (const config::RouteConfig &route : config.routes)
                add(setting, route.name, config::ConstSettingTarget{&config, &route, nullptr});
            break;
        case config::SettingScope::Identity:
            for (const config::IdentityConfig &identity : config.identities)
                add(setting, identity.name, config::ConstSettingTarget{&config, nullptr, &identity});
            break;
        }
    }
    QString text;
    bool writable = false;
    if (!m_configPath.isEmpty()) {
        auto read = readText(m_configPath);
        if (!read)
            return failure(errors::kFailed, read.error());
        text = redact(*read);
        writable = QFileInfo(m_configPath).isWritable();
    }
    return QJsonObject{
        {u"path"_s, m_configPath}, {u"text"_s, text}, {u"writable"_s, writable}, {u"settings"_s, settings}};
}

config::LoadedConfig ServiceControl::validateText(const QString &text) const
{
    QTemporaryDir directory;
    const QString path = directory.filePath(u"config.ini"_s);
    QFile file(path);
    config::LoadedConfig loaded;
    if (!directory.isValid() || !file.open(QIODevice::WriteOnly) || file.write(text.toUtf8()) < 0) {
        loaded.issues.append(config::ConfigIssue::error({}, config::SettingOrigin::fromDefault(),
                                                        u"cannot write a temporary file to validate in"_s));
        return loaded;
    }
    file.close();
    config::ConfigSources sources = m_sources;
    sources.configFlag = path;
    return load(sources);
}

config::LoadedConfig ServiceControl::load(const config::ConfigSources &sources)
{
    config::LoadedConfig loaded = config::ConfigLoader::load(sources);
    loaded.issues.append(config::ConfigValidator::validate(loaded));
    loaded.issues.append(auth::ProviderFactory::checkEnvironment(loaded.config, sources.environment));
    return loaded;
}

ControlHandler::Result ServiceControl::configValidate(const QJsonObject &payload) const
{
    if (!payload.value(u"text"_s).isString())
        return failure(errors::kBadMessage, u"config.validate needs \"text\", the file's contents"_s);
    QString text = payload.value(u"text"_s).toString();
    if (!m_configPath.isEmpty()) {
        if (auto current = readText(m_configPath))
            text = unredact(text, *current);
    }
    const config::LoadedConfig loaded = validateText(text);
    return QJsonObject{{u"valid"_s, !loaded.hasErrors()}, {u"issues"_s, issuesJson(loaded.issues)}};
}

ControlHandler::Result ServiceControl::configApply(const QJsonObject &payload)
{
    if (!payload.value(u"text"_s).isString())
        return failure(errors::kBadMessage, u"config.apply needs \"text\", the file's contents"_s);
    if (m_configPath.isEmpty())
        return failure(
            errors::kUnavailable,
            u"the service runs without a configuration file; set AAD_AUTH_PROXY_CONFIG or --config"_s);
    if (!m_reload)
        return failure(errors::kUnavailable, u"this service cannot reload its configuration"_s);
    auto current = readText(m_configPath);
    if (!current)
        return failure(errors::kFailed, current.error());
    const QString text = unredact(payload.value(u"text"_s).toString(), *current);
    const config::LoadedConfig loaded = validateText(text);
    if (loaded.hasErrors()) {
        QStringList messages;
        for (const config::ConfigIssue &issue : loaded.issues) {
            if (issue.isError())
                messages.append(issue.toString());
        }
        return failure(errors::kInvalidConfig,
                       u"the configuration was not applied: "_s + messages.join(u"; "_s));
    }

    const QString backup = m_configPath + u".bak"_s;
    QFile::remove(backup);
    if (!QFile::copy(m_configPath, backup))
        return failure(errors::kFailed,
                       u"cannot back up %1 to %2; nothing was changed"_s.arg(m_configPath, backup));
    QSaveFile file(m_configPath);
    if (!file.open(QIODevice::WriteOnly) || file.write(text.toUtf8()) < 0 || !file.commit())
        return failure(errors::kFailed, u"cannot write %1: %2; the old file is unchanged"_s.arg(
                                            m_configPath, file.errorString()));
    qCInfo(lcIpc).noquote() << "configuration written over the control socket"
                            << log::LogField::kv("file", m_configPath) << log::LogField::kv("backup", backup);

    const ReloadOutcome outcome = m_reload();
    return QJsonObject{
        {u"applied"_s, outcome.ok},
        {u"backup"_s, backup},
        {u"issues"_s, issuesJson(loaded.issues)},
        {u"reload"_s, QJsonObject{{u"ok"_s, outcome.ok}, {u"message"_s, outcome.messages.join(u"; "_s)}}}};
}

} // namespace aap::control
