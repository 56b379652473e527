#pragma once

#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>

#include <chrono>
#include <optional>

namespace aap::platform {

// Talks to the service manager through systemd's notification protocol: one datagram per state
// change to the AF_UNIX socket named by NOTIFY_SOCKET (a path, or '@' for the abstract namespace).
// Without NOTIFY_SOCKET (run by hand, in a container, on Windows) every call is a no-op.
class ServiceNotifier {
public:
    // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from environment; pid is this process's.
    ServiceNotifier(const QProcessEnvironment &environment, qint64 pid);
    ~ServiceNotifier();
    ServiceNotifier(const ServiceNotifier &) = delete;
    ServiceNotifier &operator=(const ServiceNotifier &) = delete;
    ServiceNotifier(ServiceNotifier &&) = delete;
    ServiceNotifier &operator=(ServiceNotifier &&) = delete;

    [[nodiscard]] bool isActive() const { return m_socket >= 0; }
    // The interval at which the manager expects WATCHDOG=1, when it asked for pings (WatchdogSec=)
    // and the request is meant for this process (WATCHDOG_PID, when set, names it).
    [[nodiscard]] std::optional<std::chrono::microseconds> watchdogTimeout() const { return m_watchdog; }

    void ready(const QString &status);
    // MONOTONIC_USEC lets systemd >= 253 match the reload to its ExecReload; 252 ignores it.
    void reloading();
    void stopping();
    void status(const QString &text);
    void watchdog();

private:
    bool send(const QByteArray &message);

    int m_socket = -1;
    QByteArray m_address;
    std::optional<std::chrono::microseconds> m_watchdog;
};

} // namespace aap::platform
