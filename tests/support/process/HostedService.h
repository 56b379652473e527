#pragma once

#include "support/NotifySocket.h"
#include "support/process/ServiceProcess.h"

#include <QByteArray>
#include <QString>
#include <QTemporaryDir>

namespace aap::test {

// The real aad-auth-proxy program as a service manager runs it: ServiceProcess's scrubbed
// environment, NOTIFY_SOCKET pointing at a NotifySocket, and a config file the test rewrites before
// a reload. The file decides the port (no LISTENING_PORT), so a reload can move the listener.
// stderr is forwarded, so failures show the logs.
class HostedService {
public:
    explicit HostedService(NotifySocket &notify);

    void setVariable(const QString &name, const QString &value) { m_service.setEnv(name, value); }
    // Replaces the config file's content (it exists from construction on, empty).
    bool writeConfig(const QByteArray &content);
    [[nodiscard]] QString configPath() const { return m_configPath; }

    // Starts the program with --config configPath() and waits for its first READY=1.
    bool start();
    void signal(int signalNumber) { m_service.signal(signalNumber); }
    // SIGTERM, then waits for a clean exit (status 0).
    bool stop();
    [[nodiscard]] QProcess &process() { return m_service.process(); }

private:
    NotifySocket &m_notify;
    QTemporaryDir m_dir;
    QString m_configPath;
    ServiceProcess m_service;
};

} // namespace aap::test
