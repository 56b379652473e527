#include "eventloop/TimerSchedule.h"

#include <gsl/narrow>

#include <algorithm>

namespace aap::eventloop {

using std::chrono::milliseconds;

void TimerSchedule::add(int id, milliseconds interval, Qt::TimerType type, QObject *object, TimePoint now)
{
    m_timers.push_back(Timer{id, interval, type, object, now + interval, false});
}

bool TimerSchedule::remove(int id)
{
    const auto it = find(id);
    if (it == m_timers.end()) {
        return false;
    }
    m_timers.erase(it);
    return true;
}

bool TimerSchedule::removeAllOf(const QObject *object)
{
    return std::erase_if(m_timers, [object](const Timer &timer) { return timer.object == object; }) > 0;
}

QList<QAbstractEventDispatcher::TimerInfo> TimerSchedule::timersOf(const QObject *object) const
{
    QList<QAbstractEventDispatcher::TimerInfo> timers;
    for (const Timer &timer : m_timers) {
        if (timer.object == object) {
            timers.append({timer.id, gsl::narrow<int>(timer.interval.count()), timer.type});
        }
    }
    return timers;
}

int TimerSchedule::remainingMs(int id, TimePoint now) const
{
    const auto it = find(id);
    if (it == m_timers.end()) {
        return -1;
    }
    const auto left = std::chrono::ceil<milliseconds>(it->deadline - now);
    return gsl::narrow<int>(std::max(left, milliseconds::zero()).count());
}

std::optional<milliseconds> TimerSchedule::sleepLimit(TimePoint now) const
{
    std::optional<TimePoint> earliest;
    for (const Timer &timer : m_timers) {
        if (!timer.firing && (!earliest || timer.deadline < *earliest)) {
            earliest = timer.deadline;
        }
    }
    if (!earliest) {
        return std::nullopt;
    }
    // Rounded up: waking a little early would find nothing due and sleep again for 0 ms.
    return std::max(std::chrono::ceil<milliseconds>(*earliest - now), milliseconds::zero());
}

std::vector<TimerSchedule::Due> TimerSchedule::takeDue(TimePoint now)
{
    std::vector<Timer *> due;
    for (Timer &timer : m_timers) {
        if (!timer.firing && timer.deadline <= now) {
            due.push_back(&timer);
        }
    }
    std::sort(due.begin(), due.end(),
              [](const Timer *a, const Timer *b) { return a->deadline < b->deadline; });
    std::vector<Due> taken;
    taken.reserve(due.size());
    for (Timer *timer : due) {
        timer->firing = true;
        // Keep the period, but a loop that fell behind skips the missed ticks rather than
        // firing them back to back.
        timer->deadline += timer->interval;
        if (timer->deadline <= now) {
            timer->deadline = now + timer->interval;
        }
        taken.push_back({timer->id, timer->object});
    }
    return taken;
}

void TimerSchedule::finished(int id)
{
    if (const auto it = find(id); it != m_timers.end()) {
        it->firing = false;
    }
}

bool TimerSchedule::isFiring(int id) const
{
    const auto it = find(id);
    return it != m_timers.end() && it->firing;
}

std::vector<TimerSchedule::Timer>::iterator TimerSchedule::find(int id)
{
    return std::find_if(m_timers.begin(), m_timers.end(),
                        [id](const Timer &timer) { return timer.id == id; });
}

std::vector<TimerSchedule::Timer>::const_iterator TimerSchedule::find(int id) const
{
    return std::find_if(m_timers.begin(), m_timers.end(),
                        [id](const Timer &timer) { return timer.id == id; });
}

} // namespace aap::eventloop
