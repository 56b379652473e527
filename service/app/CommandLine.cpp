#include "app/CommandLine.h"

#include "config/SettingCatalog.h"

namespace aap::app {

using namespace Qt::StringLiterals;

CommandLine::CommandLine()
    : m_config(
          u"config"_s,
          u"Configuration file (also env AAD_AUTH_PROXY_CONFIG); default: the platform's path, which may be "
          u"missing. A file named here must exist."_s,
          u"path"_s),
      m_checkConfig(u"check-config"_s,
                    u"Validate the configuration, print it with the source of every value, and exit "
                    u"(0 valid, 2 invalid)."_s),
      m_help(QStringList{u"h"_s, u"help"_s}, u"Show this help and exit."_s),
      m_version(QStringList{u"v"_s, u"version"_s}, u"Show the version and exit."_s)
{
    m_parser.setApplicationDescription(
        u"Reverse proxy that adds an Entra ID bearer token to every request it forwards.\n"
        u"Settings come from built-in defaults < config file < environment < these flags; see "
        u"docs/configuration.md."_s);
    m_parser.addOption(m_config);
    m_parser.addOption(m_checkConfig);
    m_parser.addOption(m_help);
    m_parser.addOption(m_version);
    for (const config::SettingDescriptor &setting : config::SettingCatalog::all())
        m_parser.addOption(QCommandLineOption(setting.flag, setting.description, setting.valueName));
}

Expected<CommandLineOptions, QString> CommandLine::parse(const QStringList &arguments)
{
    // Messages of QCommandLineParser name options, never their values, so secrets stay out.
    if (!m_parser.parse(arguments))
        return Unexpected(m_parser.errorText());
    if (!m_parser.positionalArguments().isEmpty())
        return Unexpected(u"unexpected argument(s): "_s +
                          QString::number(m_parser.positionalArguments().size()) +
                          u" argument(s) that are not options"_s);

    CommandLineOptions options;
    options.showHelp = m_parser.isSet(m_help);
    options.showVersion = m_parser.isSet(m_version);
    options.checkConfig = m_parser.isSet(m_checkConfig);
    if (m_parser.isSet(m_config))
        options.configPath = m_parser.values(m_config).constLast();
    for (const config::SettingDescriptor &setting : config::SettingCatalog::all()) {
        const QStringList values = m_parser.values(setting.flag);
        if (!values.isEmpty())
            options.settings.append({setting.flag, values.constLast()});
    }
    return options;
}

// Written here rather than by QCommandLineParser, whose fixed option column is as wide as the
// longest flag and squeezes every description into a narrow, broken column.
QString CommandLine::helpText() const
{
    QString text =
        u"Usage: aad-auth-proxy [options]\n"_s + m_parser.applicationDescription() + u"\n\nOptions:\n"_s;
    auto option = [&text](const QString &names, const QString &description) {
        text += u"  "_s + names + u"\n      "_s + description + u"\n"_s;
    };
    option(u"--config <path>"_s, m_config.description());
    option(u"--check-config"_s, m_checkConfig.description());
    option(u"-h, --help"_s, m_help.description());
    option(u"-v, --version"_s, m_version.description());
    text += u"\nSettings (an empty value counts as not set):\n"_s;
    for (const config::SettingDescriptor &setting : config::SettingCatalog::all()) {
        option(u"--"_s + setting.flag + u" <"_s + setting.valueName + u">"_s,
               setting.description + u"\n      env "_s + setting.envNames.join(u", "_s) + u"; file ["_s +
                   setting.section + u"] "_s + setting.key);
    }
    return text;
}

} // namespace aap::app
