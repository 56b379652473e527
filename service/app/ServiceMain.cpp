#include "app/ServiceMain.h"

#include "log/Logging.h"

#include <QCoreApplication>

namespace aap::app {

int ServiceMain::run(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("aad-auth-proxy"));
    QCoreApplication::setApplicationVersion(QStringLiteral(AAP_VERSION));
    log::install();
    qCInfo(lcApp) << "starting";
    return 0;
}

} // namespace aap::app
