#include "ui/ConfiguratorMain.h"

#include "config/ConfigLoader.h"
#include "core/SystemClock.h"
#include "ipc/ControlClient.h"
#include "ipc/ControlEndpoint.h"
#include "models/ConfigDocument.h"
#include "models/EnvironmentFile.h"
#include "ui/MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QProcessEnvironment>

namespace aap::configurator {

using namespace Qt::StringLiterals;

int ConfiguratorMain::run(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(u"aad-auth-proxy-configurator"_s);
    QApplication::setApplicationVersion(QStringLiteral(AAP_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Edits the configuration file of aad-auth-proxy."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(u"config"_s, u"Configuration file (default: the service's default path)."_s);
    const QCommandLineOption environmentFile(
        u"environment-file"_s,
        u"The service unit's EnvironmentFile, validated with the configuration (default: "_s +
            QString::fromLatin1(EnvironmentFile::kDefaultPath) + u")."_s,
        u"path"_s, QString::fromLatin1(EnvironmentFile::kDefaultPath));
    parser.addOption(environmentFile);
    const QCommandLineOption controlSocket(
        u"control-socket"_s,
        u"The service's control socket (default: control.socket of the configuration, else "_s +
            ipc::ControlEndpoint::defaultName() + u")."_s,
        u"path"_s);
    parser.addOption(controlSocket);
    parser.process(app);

    const QStringList positional = parser.positionalArguments();
    const QString path =
        positional.isEmpty()
            ? config::ConfigLoader::defaultConfigPath(QProcessEnvironment::systemEnvironment())
            : positional.first();

    SystemClock clock;
    ConfigDocument document;
    document.setEnvironment(parser.value(environmentFile), QProcessEnvironment::systemEnvironment());
    MainWindow window(document, &clock);
    window.openFile(path);
    ipc::ControlClient client;
    client.setClientName(u"aad-auth-proxy-configurator"_s);
    client.setServerName(parser.isSet(controlSocket)
                             ? parser.value(controlSocket)
                             : ipc::ControlEndpoint::resolve(document.loaded().config.control));
    window.setControlClient(&client);
    client.start();
    window.show();
    return QApplication::exec();
}

} // namespace aap::configurator
