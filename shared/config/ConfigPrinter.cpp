#include "config/ConfigPrinter.h"

#include "config/SettingCatalog.h"

namespace aap::config {

using namespace Qt::StringLiterals;

namespace {

QString line(const SettingDescriptor &setting, const QString &scopeName, const ConstSettingTarget &target,
             const LoadedConfig &loaded)
{
    const QString id = setting.id(scopeName);
    QString text = id + u" = "_s + setting.format(target);
    constexpr qsizetype column = 64;
    if (text.size() < column)
        text += QString(column - text.size(), QLatin1Char(' '));
    return text + u"  ("_s + loaded.origin(id).toString() + u")\n"_s;
}

} // namespace

QString ConfigPrinter::print(const LoadedConfig &loaded)
{
    const ServiceConfig &config = loaded.config;
    QString out = u"# aad-auth-proxy effective configuration (value  (source))\n"_s;
    out += u"# config file: "_s + (loaded.filePath.isEmpty() ? u"none"_s : loaded.filePath) + u"\n"_s;
    for (const SettingDescriptor &setting : SettingCatalog::all()) {
        switch (setting.scope) {
        case SettingScope::Global:
            out += line(setting, {}, ConstSettingTarget{&config, nullptr, nullptr}, loaded);
            break;
        case SettingScope::Route:
            for (const RouteConfig &route : config.routes)
                out += line(setting, route.name, ConstSettingTarget{&config, &route, nullptr}, loaded);
            break;
        case SettingScope::Identity:
            for (const IdentityConfig &identity : config.identities)
                out += line(setting, identity.name, ConstSettingTarget{&config, nullptr, &identity}, loaded);
            break;
        }
    }
    int errors = 0;
    int warnings = 0;
    for (const ConfigIssue &issue : loaded.issues)
        ++(issue.isError() ? errors : warnings);
    out += u"# "_s + QString::number(errors) + u" error(s), "_s + QString::number(warnings) +
           u" warning(s): "_s +
           (errors == 0 ? u"configuration is valid\n"_s : u"configuration is NOT valid\n"_s);
    return out;
}

} // namespace aap::config
