#pragma once

#include <QAbstractEventDispatcher>

#include <memory>

namespace aap::eventloop {

class PassClock;

// The event dispatcher for a proxy worker thread: epoll on Linux (EpollEventDispatcher), nothing
// elsewhere, where the thread keeps Qt's own. AAP_EVENT_DISPATCHER=qt keeps Qt's on Linux too, to
// compare the two or to rule the dispatcher out when a problem is diagnosed. The epoll dispatcher
// marks its passes on `passClock` when one is given; with Qt's, that clock reads its base clock
// every time.
std::unique_ptr<QAbstractEventDispatcher> createWorkerEventDispatcher(PassClock *passClock = nullptr);

} // namespace aap::eventloop
