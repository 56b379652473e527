#include "support/TinyproxyProcess.h"

#include <QDeadlineTimer>
#include <QDebug>
#include <QFile>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

namespace aap::test {

TinyproxyProcess::~TinyproxyProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
}

bool TinyproxyProcess::start(const QString &user, const QString &password)
{
    m_user = user;
    m_password = password;
    if (QStandardPaths::findExecutable(QStringLiteral("tinyproxy")).isEmpty()) {
        qWarning() << "tinyproxy is not installed (scripts/install-deps.sh installs it)";
        return false;
    }
    // tinyproxy cannot report an OS-chosen port, so the port comes from a socket bound and closed
    // just before; another process could take it in between, hence a few attempts.
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (startOnce())
            return true;
    }
    qWarning().noquote() << "tinyproxy did not start:" << log();
    return false;
}

bool TinyproxyProcess::startOnce()
{
    {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0))
            return false;
        m_port = probe.serverPort();
    }
    QByteArray config = "Port " + QByteArray::number(m_port) +
                        "\nListen 127.0.0.1\nTimeout 30\nLogLevel Info\nMaxClients 50\nAllow 127.0.0.1\n"
                        "LogFile \"" +
                        m_dir.filePath(QStringLiteral("tinyproxy.log")).toUtf8() + "\"\n";
    if (!m_user.isEmpty())
        config += "BasicAuth " + m_user.toUtf8() + " " + m_password.toUtf8() + "\n";
    const QString configPath = m_dir.filePath(QStringLiteral("tinyproxy.conf"));
    QFile file(configPath);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(config) != config.size())
        return false;
    file.close();
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.start(QStringLiteral("tinyproxy"), {QStringLiteral("-d"), QStringLiteral("-c"), configPath});
    if (!m_process.waitForStarted(5000))
        return false;
    const QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired() && m_process.state() == QProcess::Running) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        if (socket.waitForConnected(200))
            return true;
        QThread::msleep(20);
    }
    m_process.kill();
    m_process.waitForFinished(5000);
    return false;
}

QString TinyproxyProcess::url(bool withCredentials) const
{
    const QString credentials = withCredentials && !m_user.isEmpty()
                                    ? m_user + QLatin1Char(':') + m_password + QLatin1Char('@')
                                    : QString();
    return QStringLiteral("http://") + credentials + QStringLiteral("127.0.0.1:") + QString::number(m_port);
}

QByteArray TinyproxyProcess::log() const
{
    QFile file(m_dir.filePath(QStringLiteral("tinyproxy.log")));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QByteArrayList TinyproxyProcess::requestLines() const
{
    QByteArrayList lines;
    const QByteArray marker("]: Request (file descriptor ");
    for (const QByteArray &line : log().split('\n')) {
        const qsizetype at = line.indexOf(marker);
        if (at < 0)
            continue;
        const qsizetype colon = line.indexOf("): ", at);
        if (colon >= 0)
            lines.append(line.mid(colon + 3).trimmed());
    }
    return lines;
}

} // namespace aap::test
