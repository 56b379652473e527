#pragma once

#include <QAbstractEventDispatcher>
#include <QList>

#include <chrono>
#include <optional>
#include <vector>

class QObject;

namespace aap::eventloop {

// The timers of one event dispatcher: when each is due, which are due now, and how long the loop
// may sleep. Time is passed in, so the schedule is tested without waiting. A worker has a handful
// of timers (its deadlines are swept by one), so a flat vector beats a heap here.
class TimerSchedule {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    struct Due {
        int id = 0;
        QObject *object = nullptr;
    };

    void add(int id, std::chrono::milliseconds interval, Qt::TimerType type, QObject *object, TimePoint now);
    bool remove(int id);
    bool removeAllOf(const QObject *object);
    QList<QAbstractEventDispatcher::TimerInfo> timersOf(const QObject *object) const;
    // -1 for an unknown timer, as QAbstractEventDispatcher::remainingTime() specifies.
    int remainingMs(int id, TimePoint now) const;
    // How long the loop may sleep; nothing when no timer is waiting.
    std::optional<std::chrono::milliseconds> sleepLimit(TimePoint now) const;

    // The timers due at now, earliest first, each moved to its next deadline and marked as firing
    // until finished() (a timer is never fired again from a nested loop inside its own handler).
    std::vector<Due> takeDue(TimePoint now);
    void finished(int id);
    // Taken by takeDue() and not yet finished (false once stopped, or stopped and started again).
    bool isFiring(int id) const;
    bool empty() const { return m_timers.empty(); }

private:
    struct Timer {
        int id = 0;
        std::chrono::milliseconds interval{};
        Qt::TimerType type = Qt::CoarseTimer;
        QObject *object = nullptr;
        TimePoint deadline;
        bool firing = false;
    };

    std::vector<Timer>::iterator find(int id);
    std::vector<Timer>::const_iterator find(int id) const;

    std::vector<Timer> m_timers;
};

} // namespace aap::eventloop
