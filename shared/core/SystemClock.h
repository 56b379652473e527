#pragma once

#include "core/Clock.h"

#include <QObject>

#include <unordered_map>

class QTimer;

namespace aap {

// The real clock: system_clock for wall time, QTimer for timers (owned by this object's thread).
class SystemClock final : public QObject, public Clock {
    Q_OBJECT

public:
    explicit SystemClock(QObject *parent = nullptr);
    ~SystemClock() override;

    [[nodiscard]] TimePoint now() const override;
    [[nodiscard]] SteadyTimePoint steadyNow() const override;
    TimerId startTimer(Duration delay, std::function<void()> callback) override;
    void cancel(TimerId id) override;

private:
    std::unordered_map<TimerId, QTimer *> m_timers;
    TimerId m_nextId = 1;
};

} // namespace aap
