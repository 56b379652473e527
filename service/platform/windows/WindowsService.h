#pragma once

#include "platform/ServiceEvents.h"
#include "platform/ServiceStatusMachine.h"

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace aap::platform::windows {

// The one interface the program uses to run as a Windows service. It starts the control
// dispatcher on a thread of its own, so the program's main thread stays free for its event loop.
// A program not started by the SCM learns so from connect() and runs in the foreground.
class WindowsService {
public:
    explicit WindowsService(ServiceStatusMachine::WaitHints hints);
    ~WindowsService();
    WindowsService(const WindowsService &) = delete;
    WindowsService &operator=(const WindowsService &) = delete;

    // Blocks until the SCM called the service's main function (true: the start is now pending) or
    // the dispatcher could not connect (false: the program was started from a console).
    bool connect(ServiceEvents &events);
    // A step of a pending start or stop (the next checkpoint), within the wait hint.
    void reportProgress();
    void reportRunning();
    // The last call: the SCM may end the process once it returns.
    void reportStopped(int exitCode);
    [[nodiscard]] ServiceStatus status() const;

private:
    static void __stdcall serviceMain(unsigned long argc, wchar_t **argv);
    static unsigned long __stdcall controlHandler(unsigned long code, unsigned long eventType,
                                                  void *eventData, void *context);
    void decide(bool underServiceManager);
    void reportLocked();

    mutable std::mutex m_mutex;
    std::condition_variable m_stopped;
    ServiceStatusMachine m_machine;
    ServiceEvents *m_events = nullptr;
    void *m_statusHandle = nullptr;
    std::promise<bool> m_decision;
    std::once_flag m_decided;
    std::thread m_dispatcher;
};

} // namespace aap::platform::windows
