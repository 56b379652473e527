#include "eventloop/WorkerEventDispatcher.h"

#include "eventloop/EpollEventDispatcher.h"

#include <QByteArray>

namespace aap::eventloop {

std::unique_ptr<QAbstractEventDispatcher> createWorkerEventDispatcher()
{
#ifdef Q_OS_LINUX
    if (qgetenv("AAP_EVENT_DISPATCHER") != "qt") {
        return EpollEventDispatcher::create();
    }
#endif
    return nullptr;
}

} // namespace aap::eventloop
