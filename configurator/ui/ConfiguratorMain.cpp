#include "ui/ConfiguratorMain.h"

#include <QApplication>
#include <QMainWindow>

namespace aap::configurator {

int ConfiguratorMain::run(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("aad-auth-proxy-configurator"));
    QMainWindow window;
    window.show();
    return QApplication::exec();
}

} // namespace aap::configurator
