#include "inbound/ExposureWarning.h"

#include "log/LogField.h"
#include "log/Logging.h"

namespace aap::inbound {

ExposureWarning::ExposureWarning(Clock &clock, QString message, std::chrono::milliseconds interval)
    : m_clock(clock), m_message(std::move(message)), m_interval(interval)
{}

ExposureWarning::~ExposureWarning()
{
    if (m_timer != 0)
        m_clock.cancel(m_timer);
}

void ExposureWarning::start()
{
    fire();
}

void ExposureWarning::fire()
{
    ++m_logged;
    qCWarning(lcProxy).noquote() << "UNPROTECTED LISTENER" << log::LogField::kv("detail", m_message)
                                 << log::LogField::kv(
                                        "repeats_every_s",
                                        std::chrono::duration_cast<std::chrono::seconds>(m_interval).count());
    m_timer = m_clock.startTimer(m_interval, [this] {
        m_timer = 0;
        fire();
    });
}

} // namespace aap::inbound
