#include "support/process/ServiceProcess.h"

#include <QDeadlineTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <csignal>

namespace aap::test {

using namespace Qt::StringLiterals;

ServiceProcess::ServiceProcess()
{
    reset();
}

ServiceProcess::~ServiceProcess()
{
    kill();
}

void ServiceProcess::setEnv(const QString &name, const QString &value)
{
    m_environment.insert(name, value);
}

void ServiceProcess::unsetEnv(const QString &name)
{
    m_environment.remove(name);
}

void ServiceProcess::reset()
{
    m_port = freePort();
    m_environment = scrubbedEnvironment();
    m_environment.insert(u"LISTENING_PORT"_s, QString::number(m_port));
    m_environment.insert(u"AAD_AUTH_PROXY_CONFIG"_s, QString());
    m_environment.insert(u"CONTROL_SOCKET"_s, m_runtimeDir.filePath(u"control.sock"_s));
}

bool ServiceProcess::start(Stderr stderrMode, const QStringList &arguments)
{
    m_process.setProcessEnvironment(m_environment);
    m_process.setProcessChannelMode(stderrMode == Stderr::Captured ? QProcess::SeparateChannels
                                                                   : QProcess::ForwardedErrorChannel);
    m_process.start(QStringLiteral(AAP_SERVICE_BINARY), arguments);
    return m_process.waitForStarted(10'000);
}

bool ServiceProcess::waitForStatus(const QString &path, int status, int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (m_process.state() == QProcess::Running) {
        if (get(path).status == status)
            return true;
        if (deadline.hasExpired())
            return false;
        QTest::qWait(50);
    }
    return false;
}

bool ServiceProcess::stop(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning)
        return true;
    signal(SIGTERM);
    return m_process.waitForFinished(timeoutMs);
}

void ServiceProcess::signal(int signalNumber)
{
    if (m_process.state() != QProcess::NotRunning)
        ::kill(static_cast<pid_t>(m_process.processId()), signalNumber);
}

void ServiceProcess::kill()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.kill();
    m_process.waitForFinished(5'000);
}

ServiceProcess::Reply ServiceProcess::get(quint16 port, const QString &path, const Headers &headers)
{
    QNetworkAccessManager manager;
    QNetworkRequest request(QUrl(u"http://127.0.0.1:%1%2"_s.arg(port).arg(path)));
    request.setTransferTimeout(10'000);
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    QNetworkReply *reply = manager.get(request);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    finished.wait(15'000);
    Reply result{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll(),
                 reply->header(QNetworkRequest::ContentTypeHeader).toByteArray()};
    reply->deleteLater();
    return result;
}

quint16 ServiceProcess::freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

QProcessEnvironment ServiceProcess::scrubbedEnvironment()
{
    QProcessEnvironment environment;
    for (const QString &keep : {u"PATH"_s, u"LD_LIBRARY_PATH"_s, u"ASAN_OPTIONS"_s, u"LSAN_OPTIONS"_s,
                                u"UBSAN_OPTIONS"_s, u"TSAN_OPTIONS"_s}) {
        const QString value = qEnvironmentVariable(keep.toLatin1().constData());
        if (!value.isEmpty())
            environment.insert(keep, value);
    }
    // Unset, the OTLP exporter would talk to localhost:4317, a port no test started; the telemetry
    // tests turn it on with their own collector.
    environment.insert(u"OTEL_SDK_DISABLED"_s, u"true"_s);
    return environment;
}

} // namespace aap::test
