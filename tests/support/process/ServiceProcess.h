#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

namespace aap::test {

// The real aad-auth-proxy program (AAP_SERVICE_BINARY) for integration tests. Its environment is
// scrubbed: only PATH, LD_LIBRARY_PATH and the sanitizers' options are inherited, so variables of
// the machine running the tests (AZURE_*, IDENTITY_ENDPOINT, HTTPS_PROXY, ...) never leak in, and
// OTLP export is off (OTEL_SDK_DISABLED) unless a test turns it on. It listens on an OS-chosen free port on
// 127.0.0.1 (LISTENING_PORT), serves its control socket in a folder of its own (CONTROL_SOCKET: tests running
// at once never share /run/aad-auth-proxy), and never reads a config file unless the test passes one.
class ServiceProcess {
public:
    struct Reply {
        int status = 0; // 0: no answer within the time-out
        QByteArray body;
        QByteArray contentType;
    };
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    ServiceProcess();
    ~ServiceProcess();
    ServiceProcess(const ServiceProcess &) = delete;
    ServiceProcess &operator=(const ServiceProcess &) = delete;
    ServiceProcess(ServiceProcess &&) = delete;
    ServiceProcess &operator=(ServiceProcess &&) = delete;

    // Sets or removes one variable for the next start().
    void setEnv(const QString &name, const QString &value);
    void unsetEnv(const QString &name);
    // A fresh free port and the scrubbed environment again (between runs of one test).
    void reset();

    enum class Stderr { Forwarded, Captured };
    // Starts the program; false when it could not be started. The default arguments keep it from
    // reading /etc/aad-auth-proxy/aad-auth-proxy.conf.
    bool start(Stderr stderrMode = Stderr::Forwarded,
               const QStringList &arguments = {QStringLiteral("--config"), QStringLiteral("/dev/null")});
    // Polls GET path until it answers `status`; false when it did not within timeoutMs.
    bool waitForStatus(const QString &path, int status, int timeoutMs);
    // The listener answers /health.
    bool waitForPort(int timeoutMs = 15'000)
    {
        return waitForStatus(QStringLiteral("/health"), 200, timeoutMs);
    }
    // SIGTERM, then waits for the exit; false when it did not exit within timeoutMs.
    bool stop(int timeoutMs = 20'000);
    // SIGKILL when still running (test clean-up).
    void kill();
    // Sends a signal when running (SIGHUP: reload).
    void signal(int signalNumber);

    [[nodiscard]] quint16 port() const { return m_port; }
    [[nodiscard]] QProcess &process() { return m_process; }
    [[nodiscard]] Reply get(const QString &path, const Headers &headers = {}) const
    {
        return get(m_port, path, headers);
    }

    // One GET to http://127.0.0.1:port<path> with extra request headers, bounded by 15 s.
    static Reply get(quint16 port, const QString &path, const Headers &headers = {});
    // A port nothing listens on at the moment of the call.
    static quint16 freePort();
    // The scrubbed environment ServiceProcess starts with, for tests that run the program themselves.
    static QProcessEnvironment scrubbedEnvironment();

private:
    QTemporaryDir m_runtimeDir;
    QProcess m_process;
    QProcessEnvironment m_environment;
    quint16 m_port = 0;
};

} // namespace aap::test
