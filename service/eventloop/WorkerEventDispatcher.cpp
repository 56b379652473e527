#include "eventloop/WorkerEventDispatcher.h"

#include "eventloop/EpollEventDispatcher.h"

#include <QByteArray>

namespace aap::eventloop {

std::unique_ptr<QAbstractEventDispatcher> createWorkerEventDispatcher(PassClock *passClock)
{
#ifdef Q_OS_LINUX
    if (qgetenv("AAP_EVENT_DISPATCHER") != "qt") {
        auto dispatcher = EpollEventDispatcher::create();
        if (dispatcher) {
            dispatcher->setPassClock(passClock);
        }
        return dispatcher;
    }
#else
    Q_UNUSED(passClock);
#endif
    return nullptr;
}

} // namespace aap::eventloop
