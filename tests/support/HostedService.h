#pragma once

#include "support/NotifySocket.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QTemporaryDir>

namespace aap::test {

// The real aad-auth-proxy program as a service manager runs it: a scrubbed environment (no Azure
// variables of the machine running the tests), NOTIFY_SOCKET pointing at a NotifySocket, and a
// config file the test rewrites before a reload. stderr is forwarded, so failures show the logs.
class HostedService {
public:
    // program: the aad-auth-proxy binary (integration tests pass AAP_SERVICE_BINARY).
    HostedService(NotifySocket &notify, QString program);
    ~HostedService();
    HostedService(const HostedService &) = delete;
    HostedService &operator=(const HostedService &) = delete;
    HostedService(HostedService &&) = delete;
    HostedService &operator=(HostedService &&) = delete;

    void setVariable(const QString &name, const QString &value) { m_environment.insert(name, value); }
    // Replaces the config file's content (it exists from construction on, empty).
    bool writeConfig(const QByteArray &content);
    [[nodiscard]] QString configPath() const { return m_configPath; }

    // Starts the program with --config configPath() and waits for its first READY=1.
    bool start();
    void signal(int signalNumber);
    // SIGTERM, then waits for a clean exit (status 0).
    bool stop();
    [[nodiscard]] QProcess &process() { return m_process; }

private:
    NotifySocket &m_notify;
    QString m_program;
    QTemporaryDir m_dir;
    QString m_configPath;
    QProcessEnvironment m_environment;
    QProcess m_process;
};

} // namespace aap::test
