#pragma once

#include <QAbstractEventDispatcher>

#include <memory>

namespace aap::eventloop {

// The event dispatcher for a proxy worker thread: epoll on Linux (EpollEventDispatcher), nothing
// elsewhere, where the thread keeps Qt's own. AAP_EVENT_DISPATCHER=qt keeps Qt's on Linux too, to
// compare the two or to rule the dispatcher out when a problem is diagnosed.
std::unique_ptr<QAbstractEventDispatcher> createWorkerEventDispatcher();

} // namespace aap::eventloop
