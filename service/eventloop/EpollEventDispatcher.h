#pragma once

#include <QtGlobal>

#ifdef Q_OS_LINUX

#include "eventloop/TimerSchedule.h"

#include <QAbstractEventDispatcher>

#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

class QSocketNotifier;

namespace aap::eventloop {

class PassClock;

// The proxy workers' event loop on Linux. Qt's default (glib) dispatcher polls every descriptor on
// each pass and wakes itself through an eventfd whenever a notifier is switched, which is most of
// what a small proxied request costs; this one keeps the descriptors in one epoll set, so a pass
// costs what is ready, and applies notifier switches just before it sleeps, so a write notifier
// turned on and off within one pass costs no system call. Wake-ups from the loop's own thread
// (Qt's posted events) only shorten the next sleep to zero.
class EpollEventDispatcher final : public QAbstractEventDispatcher {
public:
    // Nothing when the kernel refuses an epoll set or an eventfd: the thread keeps Qt's dispatcher.
    static std::unique_ptr<EpollEventDispatcher> create();
    ~EpollEventDispatcher() override;

    EpollEventDispatcher(const EpollEventDispatcher &) = delete;
    EpollEventDispatcher &operator=(const EpollEventDispatcher &) = delete;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;
    void startingUp() override;

    // Marks each pass on `clock`, from the end of the wait for events to the return of
    // processEvents(). Set before the loop runs; the clock must outlive the dispatcher.
    void setPassClock(PassClock *clock);

private:
    // The notifiers of one descriptor. The generation tells an event of a descriptor that was
    // closed and reused within one pass from an event of the new one; 0 marks a descriptor that
    // is not watched.
    struct Watch {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        std::uint32_t generation = 0;
        std::uint32_t applied = 0; // the events the kernel watches for
        bool queued = false;       // in m_changed
    };

    EpollEventDispatcher(int epoll, int wake);

    // The watch of a watched descriptor, or null. Valid until the next registration, which may
    // move the table.
    Watch *watchOf(int descriptor);
    static std::uint32_t wanted(const Watch &watch);
    static QSocketNotifier *&slot(Watch &watch, int type);
    void queueChange(int descriptor, Watch &watch);
    void applyChanges();
    bool control(int operation, int descriptor, std::uint32_t events, std::uint32_t generation);
    int activateSockets(int ready);
    bool activate(int descriptor, std::uint32_t generation, int type);
    int activateTimers();
    void drainWake();

    PassClock *m_passClock = nullptr;
    int m_epoll;
    int m_wake; // eventfd: wake-ups from other threads
    // Indexed by descriptor: the kernel hands out the lowest free numbers, so the table is as long
    // as the most descriptors open at once, and finding a socket's watch for each event touches
    // one entry of a contiguous array instead of a hash node somewhere on the heap.
    std::vector<Watch> m_watches;
    std::vector<int> m_changed;
    std::uint32_t m_generation = 0;
    TimerSchedule m_timers;
    std::atomic<bool> m_interrupted{false};
    std::atomic<bool> m_wakePending{false}; // an eventfd write is unread: later ones can be skipped
    std::atomic<std::thread::id> m_loopThread{};
    bool m_selfWoken = false; // only touched on the loop's thread
    std::array<epoll_event, 256> m_ready{};
};

} // namespace aap::eventloop

#endif
