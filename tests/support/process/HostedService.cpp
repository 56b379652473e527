#include "support/process/HostedService.h"

#include <QFile>

#include <cstdio>

namespace aap::test {

HostedService::HostedService(NotifySocket &notify)
    : m_notify(notify), m_configPath(m_dir.filePath(QStringLiteral("aad-auth-proxy.conf")))
{
    m_service.unsetEnv(QStringLiteral("LISTENING_PORT"));
    m_service.setEnv(QStringLiteral("NOTIFY_SOCKET"), notify.path());
    writeConfig({});
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
    return std::rename(QFile::encodeName(next).constData(), QFile::encodeName(m_configPath).constData()) == 0;
}

bool HostedService::start()
{
    const qsizetype from = m_notify.messages().size();
    return m_service.start(ServiceProcess::Stderr::Forwarded, {QStringLiteral("--config"), m_configPath}) &&
           m_notify.waitFor("READY=1", from, 20'000);
}

bool HostedService::stop()
{
    QProcess &process = m_service.process();
    return process.state() != QProcess::NotRunning && m_service.stop() &&
           process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

} // namespace aap::test
