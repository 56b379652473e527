#pragma once

#include "core/Clock.h"

#include <QString>

#include <chrono>

namespace aap::inbound {

// The warning for a listener anyone on the network can use (non-loopback, no inbound protection):
// logged at start and then every `interval`, so it cannot scroll out of sight in a long-running
// service's log.
class ExposureWarning {
public:
    ExposureWarning(Clock &clock, QString message,
                    std::chrono::milliseconds interval = std::chrono::hours{1});
    ~ExposureWarning();
    ExposureWarning(const ExposureWarning &) = delete;
    ExposureWarning &operator=(const ExposureWarning &) = delete;
    ExposureWarning(ExposureWarning &&) = delete;
    ExposureWarning &operator=(ExposureWarning &&) = delete;

    // Logs now and arms the repetition.
    void start();
    [[nodiscard]] int timesLogged() const { return m_logged; }

private:
    void fire();

    Clock &m_clock;
    QString m_message;
    std::chrono::milliseconds m_interval;
    Clock::TimerId m_timer = 0;
    int m_logged = 0;
};

} // namespace aap::inbound
