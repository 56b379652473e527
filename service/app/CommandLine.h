#pragma once

#include "core/Expected.h"

#include <QCommandLineParser>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

namespace aap::app {

struct CommandLineOptions {
    std::optional<QString> configPath;       // --config
    bool checkConfig = false;                // --check-config
    bool diagnose = false;                   // the "diagnose" command
    bool showHelp = false;                   // --help
    bool showVersion = false;                // --version
    QList<QPair<QString, QString>> settings; // setting flag without "--" -> value
};

// The command line of aad-auth-proxy: --config, --check-config, --help, --version and one flag per
// setting of the configuration catalogue (config::SettingCatalog). Parsing never exits the process.
class CommandLine {
public:
    CommandLine();

    // arguments include the program name, as QCoreApplication::arguments().
    [[nodiscard]] Expected<CommandLineOptions, QString> parse(const QStringList &arguments);
    [[nodiscard]] QString helpText() const;

private:
    QCommandLineParser m_parser;
    QCommandLineOption m_config;
    QCommandLineOption m_checkConfig;
    QCommandLineOption m_help;
    QCommandLineOption m_version;
};

} // namespace aap::app
