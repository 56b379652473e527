#pragma once

#include <cstdint>

namespace aap::platform {

// The Windows service status protocol as plain values, so that its transitions are unit-tested on
// any platform. The numbers are the Win32 SDK's (the mingw build static_asserts that they match).
enum class ServiceState : std::uint32_t {
    Stopped = 1,
    StartPending = 2,
    StopPending = 3,
    Running = 4,
};

// Control codes the service control manager sends (SERVICE_CONTROL_*).
namespace control {
inline constexpr std::uint32_t kStop = 1;
inline constexpr std::uint32_t kInterrogate = 4;
inline constexpr std::uint32_t kShutdown = 5;
inline constexpr std::uint32_t kParamChange = 6;
} // namespace control

// Controls the service accepts (SERVICE_ACCEPT_*).
namespace accept {
inline constexpr std::uint32_t kStop = 0x1;
inline constexpr std::uint32_t kShutdown = 0x4;
inline constexpr std::uint32_t kParamChange = 0x8;
} // namespace accept

inline constexpr std::uint32_t kNoError = 0;
inline constexpr std::uint32_t kErrorCallNotImplemented = 120;
inline constexpr std::uint32_t kErrorServiceSpecific = 1066;

// What SetServiceStatus reports (SERVICE_STATUS without the service type).
struct ServiceStatus {
    ServiceState state = ServiceState::Stopped;
    std::uint32_t controlsAccepted = 0;
    std::uint32_t checkPoint = 0;
    std::uint32_t waitHintMs = 0;
    std::uint32_t win32ExitCode = kNoError;
    std::uint32_t serviceSpecificExitCode = 0;
};

// What the program must do after a control.
enum class ControlAction {
    ReportOnly,     // nothing to do; report the status (interrogate, or a control that is already underway)
    BeginStop,      // drain and stop: the state is now StopPending
    Reload,         // reread the configuration; the service keeps running
    NotImplemented, // answer ERROR_CALL_NOT_IMPLEMENTED
};

// The service's side of the protocol: Stopped -> StartPending -> Running -> StopPending -> Stopped,
// checkpoints that grow while an operation is pending (so the SCM sees progress within the wait
// hint) and are 0 otherwise, and the controls accepted in each state. A call that does not fit the
// current state returns false (or ReportOnly) and changes nothing. Not thread-safe: the host
// serialises the control handler's thread and the program's.
class ServiceStatusMachine {
public:
    struct WaitHints {
        std::uint32_t startMs = 0;
        std::uint32_t stopMs = 0;
    };

    explicit ServiceStatusMachine(WaitHints hints);

    [[nodiscard]] const ServiceStatus &status() const { return m_status; }

    bool beginStart();
    // One more step of a pending start or stop (the next checkpoint).
    bool progress();
    bool started();
    ControlAction control(std::uint32_t code);
    // The program ends: 0 is a clean stop; anything else is reported as a service-specific error,
    // which the SCM's recovery actions treat as a failure. Also ends a start that failed.
    bool stopped(int exitCode);

private:
    void enter(ServiceState state, std::uint32_t waitHintMs);

    WaitHints m_hints;
    ServiceStatus m_status;
};

} // namespace aap::platform
