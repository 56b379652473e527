#include "eventloop/EpollEventDispatcher.h"

#include "eventloop/PassClock.h"
#include "eventloop/SanitizerHandOver.h"

#ifdef Q_OS_LINUX

#include <QCoreApplication>
#include <QEvent>
#include <QSocketNotifier>
#include <QThread>

#include <gsl/assert>
#include <gsl/narrow>

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace aap::eventloop {

namespace {

constexpr std::uint32_t kReadEvents = EPOLLIN | EPOLLHUP | EPOLLERR;
constexpr std::uint32_t kWriteEvents = EPOLLOUT | EPOLLHUP | EPOLLERR;
constexpr std::uint32_t kExceptionEvents = EPOLLPRI;

std::uint64_t tag(int descriptor, std::uint32_t generation)
{
    return (std::uint64_t{generation} << 32U) | static_cast<std::uint32_t>(descriptor);
}

std::chrono::steady_clock::time_point now()
{
    return std::chrono::steady_clock::now();
}

} // namespace

std::unique_ptr<EpollEventDispatcher> EpollEventDispatcher::create()
{
    const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0) {
        return nullptr;
    }
    const int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake < 0) {
        ::close(epoll);
        return nullptr;
    }
    // Generation 0 is the wake-up descriptor's; watches count from 1.
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = tag(wake, 0);
    if (::epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event) != 0) {
        ::close(wake);
        ::close(epoll);
        return nullptr;
    }
    return std::unique_ptr<EpollEventDispatcher>(new EpollEventDispatcher(epoll, wake));
}

EpollEventDispatcher::EpollEventDispatcher(int epoll, int wake) : m_epoll(epoll), m_wake(wake) {}

EpollEventDispatcher::~EpollEventDispatcher()
{
    // Qt deletes a thread's dispatcher last on that thread, under the mutex QThread::exit() holds
    // while it wakes us, and before QThread::wait() returns: see SanitizerHandOver.h.
    handOverAcquire(this);
    if (QThread *thread = QThread::currentThread(); thread != nullptr) {
        handOverRelease(thread);
    }
    ::close(m_wake);
    ::close(m_epoll);
}

void EpollEventDispatcher::startingUp()
{
    m_loopThread.store(std::this_thread::get_id(), std::memory_order_relaxed);
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    m_interrupted.store(false, std::memory_order_relaxed);
    m_selfWoken = false;
    emit awake();
    handOverAcquire(this); // what the posting threads did before wakeUp()
    QCoreApplication::sendPostedEvents();
    if (m_interrupted.load(std::memory_order_relaxed)) {
        return false;
    }

    int timeout = 0;
    if (flags.testFlag(QEventLoop::WaitForMoreEvents) && !m_selfWoken) {
        const auto limit = m_timers.sleepLimit(now());
        timeout =
            limit ? gsl::narrow<int>(std::min<std::chrono::milliseconds::rep>(limit->count(), INT_MAX)) : -1;
    }
    applyChanges();
    if (timeout != 0) {
        emit aboutToBlock();
    }
    const int ready = ::epoll_wait(m_epoll, m_ready.data(), gsl::narrow<int>(m_ready.size()), timeout);
    if (m_passClock != nullptr) {
        m_passClock->beginPass();
    }

    int handled = 0;
    if (!flags.testFlag(QEventLoop::ExcludeSocketNotifiers)) {
        handled += activateSockets(std::max(ready, 0));
    } else {
        for (int i = 0; i < ready; ++i) {
            if (m_ready.at(gsl::narrow<std::size_t>(i)).data.u64 == tag(m_wake, 0)) {
                drainWake();
            }
        }
    }
    if (!flags.testFlag(QEventLoop::X11ExcludeTimers)) {
        handled += activateTimers();
    }
    if (m_passClock != nullptr) {
        m_passClock->endPass();
    }
    return handled > 0;
}

void EpollEventDispatcher::setPassClock(PassClock *clock)
{
    m_passClock = clock;
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    Expects(notifier != nullptr);
    const int descriptor = gsl::narrow<int>(notifier->socket());
    Expects(descriptor >= 0);
    const auto index = static_cast<std::size_t>(descriptor);
    if (index >= m_watches.size()) {
        m_watches.resize(index + 1);
    }
    Watch &watch = m_watches[index];
    if (watch.generation == 0) { // not watched yet
        watch.generation = ++m_generation;
        if (watch.generation == 0) { // wrapped: 0 is the wake-up descriptor's
            watch.generation = ++m_generation;
        }
    }
    slot(watch, notifier->type()) = notifier;
    queueChange(descriptor, watch);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    Expects(notifier != nullptr);
    const int descriptor = gsl::narrow<int>(notifier->socket());
    Watch *found = watchOf(descriptor);
    if (found == nullptr) {
        return;
    }
    Watch &watch = *found;
    QSocketNotifier *&registered = slot(watch, notifier->type());
    if (registered != notifier) {
        return;
    }
    registered = nullptr;
    if (wanted(watch) != 0U) {
        queueChange(descriptor, watch);
        return;
    }
    // Qt switches a socket's notifiers off before it closes the descriptor; leaving the set now
    // keeps it right when the number is reused for the next connection.
    if (watch.applied != 0U) {
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, descriptor, nullptr);
    }
    watch = Watch{};
}

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    Expects(timerId > 0 && interval >= 0 && object != nullptr);
    m_timers.add(timerId, std::chrono::milliseconds(interval), timerType, object, now());
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    return m_timers.remove(timerId);
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    return m_timers.removeAllOf(object);
}

QList<QAbstractEventDispatcher::TimerInfo> EpollEventDispatcher::registeredTimers(QObject *object) const
{
    return m_timers.timersOf(object);
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    return m_timers.remainingMs(timerId, now());
}

void EpollEventDispatcher::wakeUp()
{
    // Qt posts to a thread's own queue far more often than across threads (deferred deletes,
    // queued calls within a worker); those need no system call, only a pass that does not sleep.
    if (m_loopThread.load(std::memory_order_relaxed) == std::this_thread::get_id()) {
        m_selfWoken = true;
        return;
    }
    if (!m_wakePending.exchange(true)) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(m_wake, &one, sizeof one);
    }
    handOverRelease(this); // after the write too: the destructor closes the descriptor
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted.store(true, std::memory_order_relaxed);
    wakeUp();
}

std::uint32_t EpollEventDispatcher::wanted(const Watch &watch)
{
    std::uint32_t events = 0;
    if (watch.read != nullptr) {
        events |= EPOLLIN;
    }
    if (watch.write != nullptr) {
        events |= EPOLLOUT;
    }
    if (watch.exception != nullptr) {
        events |= EPOLLPRI;
    }
    return events;
}

QSocketNotifier *&EpollEventDispatcher::slot(Watch &watch, int type)
{
    switch (type) {
    case QSocketNotifier::Read:
        return watch.read;
    case QSocketNotifier::Write:
        return watch.write;
    default:
        return watch.exception;
    }
}

EpollEventDispatcher::Watch *EpollEventDispatcher::watchOf(int descriptor)
{
    if (descriptor < 0 || static_cast<std::size_t>(descriptor) >= m_watches.size()) {
        return nullptr;
    }
    Watch &watch = m_watches[static_cast<std::size_t>(descriptor)];
    return watch.generation != 0 ? &watch : nullptr;
}

void EpollEventDispatcher::queueChange(int descriptor, Watch &watch)
{
    if (!watch.queued) {
        watch.queued = true;
        m_changed.push_back(descriptor);
    }
}

void EpollEventDispatcher::applyChanges()
{
    for (const int descriptor : m_changed) {
        Watch *found = watchOf(descriptor);
        if (found == nullptr || !found->queued) {
            continue;
        }
        Watch &watch = *found;
        watch.queued = false;
        const std::uint32_t events = wanted(watch);
        if (events == watch.applied) {
            continue;
        }
        if (events == 0U) {
            ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, descriptor, nullptr);
        } else if (!control(watch.applied == 0U ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, descriptor, events,
                            watch.generation)) {
            continue; // not a descriptor epoll can watch: leave it unapplied, as poll() would
        }
        watch.applied = events;
    }
    m_changed.clear();
}

bool EpollEventDispatcher::control(int operation, int descriptor, std::uint32_t events,
                                   std::uint32_t generation)
{
    epoll_event event{};
    event.events = events;
    event.data.u64 = tag(descriptor, generation);
    if (::epoll_ctl(m_epoll, operation, descriptor, &event) == 0) {
        return true;
    }
    // The set and our bookkeeping disagree when a descriptor was closed behind Qt's back (the
    // kernel drops it from the set) or added twice: retry with the other operation.
    if (errno == ENOENT && operation == EPOLL_CTL_MOD) {
        return ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, descriptor, &event) == 0;
    }
    if (errno == EEXIST && operation == EPOLL_CTL_ADD) {
        return ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, descriptor, &event) == 0;
    }
    return false;
}

int EpollEventDispatcher::activateSockets(int ready)
{
    int handled = 0;
    for (int i = 0; i < ready; ++i) {
        const epoll_event &event = m_ready.at(gsl::narrow<std::size_t>(i));
        const int descriptor = static_cast<int>(event.data.u64 & 0xFFFFFFFFU);
        const auto generation = static_cast<std::uint32_t>(event.data.u64 >> 32U);
        if (generation == 0) {
            drainWake();
            continue;
        }
        // Each handler may close this or any other socket: activate() looks the watch up again.
        if ((event.events & kReadEvents) != 0U && activate(descriptor, generation, QSocketNotifier::Read)) {
            ++handled;
        }
        if ((event.events & kWriteEvents) != 0U && activate(descriptor, generation, QSocketNotifier::Write)) {
            ++handled;
        }
        if ((event.events & kExceptionEvents) != 0U &&
            activate(descriptor, generation, QSocketNotifier::Exception)) {
            ++handled;
        }
    }
    return handled;
}

bool EpollEventDispatcher::activate(int descriptor, std::uint32_t generation, int type)
{
    Watch *watch = watchOf(descriptor);
    if (watch == nullptr || watch->generation != generation) {
        return false;
    }
    QSocketNotifier *notifier = slot(*watch, type);
    if (notifier == nullptr) {
        return false;
    }
    QEvent event(QEvent::SockAct);
    QCoreApplication::sendEvent(notifier, &event);
    return true;
}

int EpollEventDispatcher::activateTimers()
{
    if (m_timers.empty()) {
        return 0;
    }
    const auto due = m_timers.takeDue(now());
    int fired = 0;
    for (const auto &[id, object] : due) {
        // An earlier handler may have stopped it (or stopped it and started another under the
        // same id, which is not due yet).
        if (!m_timers.isFiring(id)) {
            continue;
        }
        QTimerEvent event(id);
        QCoreApplication::sendEvent(object, &event);
        m_timers.finished(id);
        ++fired;
    }
    return fired;
}

void EpollEventDispatcher::drainWake()
{
    // Read, then clear the flag: a wake-up skipped in between (the flag was still set) was posted
    // before the next pass, whose sendPostedEvents delivers it.
    std::uint64_t count = 0;
    [[maybe_unused]] const auto read = ::read(m_wake, &count, sizeof count);
    m_wakePending.store(false);
}

} // namespace aap::eventloop

#endif
