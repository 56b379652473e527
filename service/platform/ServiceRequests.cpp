#include "platform/ServiceRequests.h"

#include "log/Logging.h"

namespace aap::platform {

ServiceRequests::ServiceRequests(QObject *parent) : QObject(parent) {}

// Emitted on the caller's thread: Qt queues the call to each receiver living on another thread.
void ServiceRequests::stopRequested()
{
    qCInfo(lcPlatform).noquote() << "stop requested by the service manager";
    Q_EMIT stop();
}

void ServiceRequests::reloadRequested()
{
    qCInfo(lcPlatform).noquote() << "reload requested by the service manager";
    Q_EMIT reload();
}

} // namespace aap::platform
