#include "support/HostedService.h"

#include <QFile>

#include <csignal>

namespace aap::test {

HostedService::HostedService(NotifySocket &notify, QString program)
    : m_notify(notify), m_program(std::move(program)),
      m_configPath(m_dir.filePath(QStringLiteral("aad-auth-proxy.conf"))),
      m_environment(QProcessEnvironment::systemEnvironment())
{
    for (const QString &name : m_environment.keys()) {
        if (name.startsWith(QStringLiteral("AZURE_")) || name.startsWith(QStringLiteral("AAD_")) ||
            name.startsWith(QStringLiteral("IDENTITY_")) || name.startsWith(QStringLiteral("WATCHDOG_")) ||
            name.startsWith(QStringLiteral("OTEL_")) ||
            name == QStringLiteral("IMDS_ENDPOINT") || name == QStringLiteral("MSI_ENDPOINT") ||
            name == QStringLiteral("TARGET_HOST") || name == QStringLiteral("LISTENING_PORT") ||
            name == QStringLiteral("AUDIENCE") || name == QStringLiteral("AAP_TEST_STALL_WORKER"))
            m_environment.remove(name);
    }
    m_environment.insert(QStringLiteral("NOTIFY_SOCKET"), notify.path());
    m_environment.insert(QStringLiteral("AAD_AUTH_PROXY_CONFIG"), QString());
    // No OTLP export to localhost:4317, a port no test started.
    m_environment.insert(QStringLiteral("OTEL_SDK_DISABLED"), QStringLiteral("true"));
    writeConfig({});
}

HostedService::~HostedService()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5'000);
    }
}

bool HostedService::writeConfig(const QByteArray &content)
{
    // Written to a new file and renamed, as an editor or the configurator would: a reload never
    // reads a half-written file.
    const QString next = m_configPath + QStringLiteral(".new");
    QFile file(next);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(content) != content.size())
        return false;
    file.close();
    return ::rename(QFile::encodeName(next).constData(), QFile::encodeName(m_configPath).constData()) == 0;
}

bool HostedService::start()
{
    const qsizetype from = m_notify.messages().size();
    m_process.setProcessEnvironment(m_environment);
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start(m_program, {QStringLiteral("--config"), m_configPath});
    return m_process.waitForStarted(10'000) && m_notify.waitFor("READY=1", from, 20'000);
}

void HostedService::signal(int signalNumber)
{
    ::kill(static_cast<pid_t>(m_process.processId()), signalNumber);
}

bool HostedService::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return false;
    signal(SIGTERM);
    return m_process.waitForFinished(20'000) && m_process.exitStatus() == QProcess::NormalExit &&
           m_process.exitCode() == 0;
}

} // namespace aap::test
