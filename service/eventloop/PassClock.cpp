#include "eventloop/PassClock.h"

#include <utility>

namespace aap::eventloop {

namespace {

// Outside a pass, a reading of the base clock; within one, the pass's first reading of this kind.
template <typename TimePoint, typename Read>
TimePoint shared(bool inPass, std::optional<TimePoint> &first, Read read)
{
    if (!inPass) {
        return read();
    }
    if (!first) {
        first = read();
    }
    return *first;
}

} // namespace

PassClock::PassClock(Clock &base) : m_base(base) {}

Clock::TimePoint PassClock::now() const
{
    return shared(m_inPass, m_passNow, [this] { return m_base.now(); });
}

Clock::SteadyTimePoint PassClock::steadyNow() const
{
    return shared(m_inPass, m_passSteadyNow, [this] { return m_base.steadyNow(); });
}

Clock::TimerId PassClock::startTimer(Duration delay, std::function<void()> callback)
{
    return m_base.startTimer(delay, std::move(callback));
}

void PassClock::cancel(TimerId id)
{
    m_base.cancel(id);
}

void PassClock::beginPass()
{
    m_inPass = true;
    m_passNow.reset();
    m_passSteadyNow.reset();
}

void PassClock::endPass()
{
    m_inPass = false;
}

} // namespace aap::eventloop
