#include "platform/ServiceStatusMachine.h"

namespace aap::platform {

ServiceStatusMachine::ServiceStatusMachine(WaitHints hints) : m_hints(hints) {}

void ServiceStatusMachine::enter(ServiceState state, std::uint32_t waitHintMs)
{
    m_status.state = state;
    m_status.waitHintMs = waitHintMs;
    const bool pending = state == ServiceState::StartPending || state == ServiceState::StopPending;
    m_status.checkPoint = pending ? 1 : 0;
    // Controls arrive only while running: a pending start or stop finishes first.
    m_status.controlsAccepted =
        state == ServiceState::Running ? accept::kStop | accept::kShutdown | accept::kParamChange : 0;
}

bool ServiceStatusMachine::beginStart()
{
    if (m_status.state != ServiceState::Stopped)
        return false;
    m_status.win32ExitCode = kNoError;
    m_status.serviceSpecificExitCode = 0;
    enter(ServiceState::StartPending, m_hints.startMs);
    return true;
}

bool ServiceStatusMachine::progress()
{
    if (m_status.state != ServiceState::StartPending && m_status.state != ServiceState::StopPending)
        return false;
    ++m_status.checkPoint;
    return true;
}

bool ServiceStatusMachine::started()
{
    if (m_status.state != ServiceState::StartPending)
        return false;
    enter(ServiceState::Running, 0);
    return true;
}

ControlAction ServiceStatusMachine::control(std::uint32_t code)
{
    switch (code) {
    case control::kInterrogate:
        return ControlAction::ReportOnly;
    case control::kStop:
    case control::kShutdown:
        if (m_status.state != ServiceState::Running)
            return ControlAction::ReportOnly;
        enter(ServiceState::StopPending, m_hints.stopMs);
        return ControlAction::BeginStop;
    case control::kParamChange:
        return m_status.state == ServiceState::Running ? ControlAction::Reload : ControlAction::ReportOnly;
    default:
        return ControlAction::NotImplemented;
    }
}

bool ServiceStatusMachine::stopped(int exitCode)
{
    if (m_status.state == ServiceState::Stopped)
        return false;
    enter(ServiceState::Stopped, 0);
    m_status.win32ExitCode = exitCode == 0 ? kNoError : kErrorServiceSpecific;
    m_status.serviceSpecificExitCode = static_cast<std::uint32_t>(exitCode);
    return true;
}

} // namespace aap::platform
