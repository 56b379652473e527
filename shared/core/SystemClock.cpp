#include "core/SystemClock.h"

#include <QTimer>

namespace aap {

SystemClock::SystemClock(QObject *parent) : QObject(parent) {}

SystemClock::~SystemClock()
{
    for (auto &[id, timer] : m_timers) {
        delete timer;
    }
}

Clock::TimePoint SystemClock::now() const
{
    return std::chrono::system_clock::now();
}

Clock::SteadyTimePoint SystemClock::steadyNow() const
{
    return std::chrono::steady_clock::now();
}

Clock::TimerId SystemClock::startTimer(Duration delay, std::function<void()> callback)
{
    const TimerId id = m_nextId++;
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    timer->setTimerType(Qt::PreciseTimer);
    connect(timer, &QTimer::timeout, this, [this, id, cb = std::move(callback)] {
        // Remove first: the callback may start new timers or cancel others.
        if (auto it = m_timers.find(id); it != m_timers.end()) {
            it->second->deleteLater();
            m_timers.erase(it);
        }
        cb();
    });
    m_timers.emplace(id, timer);
    timer->start(std::max(delay, Duration::zero()));
    return id;
}

void SystemClock::cancel(TimerId id)
{
    if (auto it = m_timers.find(id); it != m_timers.end()) {
        it->second->stop();
        it->second->deleteLater();
        m_timers.erase(it);
    }
}

} // namespace aap
