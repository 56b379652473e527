#pragma once

namespace aap::platform {

// What the program does on the service manager's requests (Windows: the SCM's stop, shutdown and
// paramchange controls). Called on the manager's control thread: hand the request over to the
// program's event loop and return at once.
class ServiceEvents {
public:
    ServiceEvents() = default;
    virtual ~ServiceEvents() = default;
    ServiceEvents(const ServiceEvents &) = delete;
    ServiceEvents &operator=(const ServiceEvents &) = delete;
    ServiceEvents(ServiceEvents &&) = delete;
    ServiceEvents &operator=(ServiceEvents &&) = delete;

    // Drain and end, then report the stop to the manager.
    virtual void stopRequested() = 0;
    // Reload the configuration from the same sources (SIGHUP's counterpart).
    virtual void reloadRequested() = 0;
};

} // namespace aap::platform
