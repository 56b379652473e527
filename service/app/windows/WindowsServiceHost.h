#pragma once

#include "platform/ServiceRequests.h"
#include "platform/windows/WindowsEventLog.h"
#include "platform/windows/WindowsService.h"

#include <QStringList>
#include <QTimer>

#include <optional>

namespace aap::app {

class ServiceRunner;

// The Qt program's side of running as a Windows service: the SCM's stop, shutdown and paramchange
// controls reach the runner through platform::ServiceRequests; the runner's start and drain are
// reported as SERVICE_RUNNING and checkpoints of SERVICE_STOP_PENDING; log lines also go to the
// Event Log. The Win32 work is in platform/windows (Qt-free, cross-built and checked in CI).
class WindowsServiceHost {
public:
    WindowsServiceHost();
    ~WindowsServiceHost();
    WindowsServiceHost(const WindowsServiceHost &) = delete;
    WindowsServiceHost &operator=(const WindowsServiceHost &) = delete;

    // `install`, `configure` and `uninstall` (platform::windows::WindowsServiceInstaller): their exit
    // code; nullopt for any other command line.
    static std::optional<int> runSubcommand(const QStringList &arguments);

    // True when the SCM started this process (the start is now pending); false from a console,
    // where the program runs in the foreground as on Linux.
    bool connect();
    // Routes the SCM's requests to runner; call before runner.start().
    void attach(ServiceRunner &runner);
    void reportRunning();
    // The last call: the SCM may end the process once it returns.
    void reportStopped(int exitCode);

private:
    platform::ServiceRequests m_requests;
    platform::windows::WindowsService m_service;
    platform::windows::WindowsEventLog m_eventLog;
    QTimer m_stopProgress;
    bool m_connected = false;
};

} // namespace aap::app
