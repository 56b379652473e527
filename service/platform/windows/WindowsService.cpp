#include "platform/windows/WindowsService.h"

#include "platform/windows/WindowsServiceNames.h"

#include <windows.h>

#include <atomic>

namespace aap::platform::windows {

static_assert(static_cast<DWORD>(ServiceState::Stopped) == SERVICE_STOPPED);
static_assert(static_cast<DWORD>(ServiceState::StartPending) == SERVICE_START_PENDING);
static_assert(static_cast<DWORD>(ServiceState::StopPending) == SERVICE_STOP_PENDING);
static_assert(static_cast<DWORD>(ServiceState::Running) == SERVICE_RUNNING);
static_assert(control::kStop == SERVICE_CONTROL_STOP);
static_assert(control::kInterrogate == SERVICE_CONTROL_INTERROGATE);
static_assert(control::kShutdown == SERVICE_CONTROL_SHUTDOWN);
static_assert(control::kParamChange == SERVICE_CONTROL_PARAMCHANGE);
static_assert(accept::kStop == SERVICE_ACCEPT_STOP);
static_assert(accept::kShutdown == SERVICE_ACCEPT_SHUTDOWN);
static_assert(accept::kParamChange == SERVICE_ACCEPT_PARAMCHANGE);
static_assert(kNoError == NO_ERROR);
static_assert(kErrorCallNotImplemented == ERROR_CALL_NOT_IMPLEMENTED);
static_assert(kErrorServiceSpecific == ERROR_SERVICE_SPECIFIC_ERROR);

namespace {

// ServiceMain has no context argument; a process hosts one service.
std::atomic<WindowsService *> g_instance{nullptr};

} // namespace

WindowsService::WindowsService(ServiceStatusMachine::WaitHints hints) : m_machine(hints) {}

WindowsService::~WindowsService()
{
    if (m_dispatcher.joinable())
        m_dispatcher.join();
    g_instance = nullptr;
}

bool WindowsService::connect(ServiceEvents &events)
{
    m_events = &events;
    g_instance = this;
    std::future<bool> decision = m_decision.get_future();
    m_dispatcher = std::thread([this] {
        SERVICE_TABLE_ENTRYW table[] = {{const_cast<wchar_t *>(kServiceName), &WindowsService::serviceMain},
                                        {nullptr, nullptr}};
        // Returns once the service has stopped, or at once (ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)
        // when the SCM did not start this process.
        if (StartServiceCtrlDispatcherW(table) == FALSE)
            decide(false);
    });
    return decision.get();
}

void WindowsService::decide(bool underServiceManager)
{
    std::call_once(m_decided, [this, underServiceManager] { m_decision.set_value(underServiceManager); });
}

void __stdcall WindowsService::serviceMain(unsigned long /*argc*/, wchar_t ** /*argv*/)
{
    WindowsService *self = g_instance.load();
    SERVICE_STATUS_HANDLE handle =
        RegisterServiceCtrlHandlerExW(kServiceName, &WindowsService::controlHandler, self);
    if (handle == nullptr) {
        self->decide(false);
        return;
    }
    std::unique_lock lock(self->m_mutex);
    self->m_statusHandle = handle;
    self->m_machine.beginStart();
    self->reportLocked();
    self->decide(true);
    // The dispatcher returns when this function does: keep it until the program has stopped.
    self->m_stopped.wait(lock, [self] { return self->m_machine.status().state == ServiceState::Stopped; });
}

unsigned long __stdcall WindowsService::controlHandler(unsigned long code, unsigned long /*eventType*/,
                                                       void * /*eventData*/, void *context)
{
    auto *self = static_cast<WindowsService *>(context);
    ControlAction action = ControlAction::ReportOnly;
    {
        std::lock_guard lock(self->m_mutex);
        action = self->m_machine.control(code);
        if (action != ControlAction::NotImplemented)
            self->reportLocked();
    }
    switch (action) {
    case ControlAction::BeginStop:
        self->m_events->stopRequested();
        break;
    case ControlAction::Reload:
        self->m_events->reloadRequested();
        break;
    case ControlAction::NotImplemented:
        return ERROR_CALL_NOT_IMPLEMENTED;
    case ControlAction::ReportOnly:
        break;
    }
    return NO_ERROR;
}

void WindowsService::reportLocked()
{
    if (m_statusHandle == nullptr)
        return;
    const ServiceStatus &status = m_machine.status();
    SERVICE_STATUS native{};
    native.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    native.dwCurrentState = static_cast<DWORD>(status.state);
    native.dwControlsAccepted = status.controlsAccepted;
    native.dwWin32ExitCode = status.win32ExitCode;
    native.dwServiceSpecificExitCode = status.serviceSpecificExitCode;
    native.dwCheckPoint = status.checkPoint;
    native.dwWaitHint = status.waitHintMs;
    SetServiceStatus(static_cast<SERVICE_STATUS_HANDLE>(m_statusHandle), &native);
}

void WindowsService::reportProgress()
{
    std::lock_guard lock(m_mutex);
    if (m_machine.progress())
        reportLocked();
}

void WindowsService::reportRunning()
{
    std::lock_guard lock(m_mutex);
    if (m_machine.started())
        reportLocked();
}

void WindowsService::reportStopped(int exitCode)
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_machine.stopped(exitCode))
            return;
        reportLocked();
    }
    m_stopped.notify_all();
}

ServiceStatus WindowsService::status() const
{
    std::lock_guard lock(m_mutex);
    return m_machine.status();
}

} // namespace aap::platform::windows
