// Stands in for the Qt program (aad-auth-proxy.exe) where Qt for Windows cannot be built: the MSI
// built on Linux packages it, and the wine check installs, starts, reloads and stops it as a
// service. It drives the same Win32 pieces the Qt program calls and serves no requests.
#include "platform/windows/WindowsEventLog.h"
#include "platform/windows/WindowsService.h"
#include "platform/windows/WindowsServiceInstaller.h"

#include <condition_variable>
#include <cstdio>
#include <mutex>

using namespace aap::platform;
using namespace aap::platform::windows;

namespace {

class StandInEvents : public ServiceEvents {
public:
    void stopRequested() override
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        m_changed.notify_all();
    }
    void reloadRequested() override
    {
        std::lock_guard lock(m_mutex);
        ++m_reloads;
        m_changed.notify_all();
    }
    // Logs each reload; returns once a stop was requested.
    void run(WindowsEventLog &log)
    {
        std::unique_lock lock(m_mutex);
        int logged = 0;
        while (!m_stop) {
            m_changed.wait(lock);
            for (; logged < m_reloads; ++logged)
                log.write(EventLevel::Information, L"reload requested (paramchange)");
        }
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    bool m_stop = false;
    int m_reloads = 0;
};

} // namespace

int wmain(int argc, wchar_t **argv)
{
    if (const auto exitCode = WindowsServiceInstaller::runSubcommand(argc, argv))
        return *exitCode;
    StandInEvents events;
    WindowsService service({.startMs = 10000, .stopMs = 20000});
    if (!service.connect(events)) {
        std::fputws(L"aad-auth-proxy stand-in: not started by the service control manager; the real program "
                    L"runs in the foreground here\n",
                    stderr);
        return 2;
    }
    WindowsEventLog log;
    service.reportRunning();
    log.write(EventLevel::Information, L"stand-in service running");
    events.run(log);
    service.reportProgress();
    log.write(EventLevel::Information, L"stand-in service stopping");
    service.reportStopped(0);
    return 0;
}
