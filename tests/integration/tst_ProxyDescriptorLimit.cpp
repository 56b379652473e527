// Issue 9, finding 2: a full descriptor table must not spin the CPU or lock out /health. The real
// program runs with RLIMIT_NOFILE lowered in the child and gets more clients than descriptors.
#include "support/process/ServiceProcess.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using aap::test::ServiceProcess;

namespace {

constexpr rlim_t kDescriptorLimit = 64;
constexpr int kClients = 150;

// User plus system CPU time of a process, in seconds (from /proc/<pid>/stat).
double cpuSeconds(qint64 pid)
{
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray line = stat.readAll();
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    const double ticks = fields.value(11).toDouble() + fields.value(12).toDouble();
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

} // namespace

class tst_ProxyDescriptorLimit : public QObject {
    Q_OBJECT

    QTemporaryDir m_runtime;
    QProcess m_service;
    quint16 m_port = 0;
    std::vector<std::unique_ptr<QTcpSocket>> m_clients;
    QByteArray m_log;

    void stopService()
    {
        if (m_service.state() != QProcess::NotRunning) {
            ::kill(static_cast<pid_t>(m_service.processId()), SIGTERM);
            QVERIFY(m_service.waitForFinished(20'000));
        }
        m_log += m_service.readAllStandardError();
    }

    // A /health exchange on a fresh connection; the status code or 0.
    int health(int timeoutMs)
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        if (!socket.waitForConnected(timeoutMs))
            return 0;
        socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
        QByteArray reply;
        QElapsedTimer timer;
        timer.start();
        while (!reply.contains("\r\n\r\n") && timer.elapsed() < timeoutMs) {
            if (!socket.waitForReadyRead(static_cast<int>(timeoutMs - timer.elapsed())))
                break;
            reply += socket.readAll();
        }
        const auto match = QRegularExpression(u"^HTTP/1\\.1 (\\d{3})"_s).match(QString::fromLatin1(reply));
        return match.hasMatch() ? match.captured(1).toInt() : 0;
    }

    void openClients(const QByteArray &greeting)
    {
        for (int i = 0; i < kClients; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(QHostAddress::LocalHost, m_port);
            if (!greeting.isEmpty())
                socket->write(greeting);
            m_clients.push_back(std::move(socket));
        }
        QTest::qWait(1000); // connects and writes are asynchronous: let them all reach the service
    }

    // CPU the service used while nothing new happened for `seconds`.
    double idleCpu(int seconds)
    {
        const double before = cpuSeconds(m_service.processId());
        QTest::qWait(seconds * 1000);
        return cpuSeconds(m_service.processId()) - before;
    }

private Q_SLOTS:
    void init()
    {
#if defined(__SANITIZE_ADDRESS__)
        // UBSan's vptr check probes memory with pipe(): with the descriptor table full that fails,
        // and every virtual call is reported as a call on an invalid object (a false positive).
        QSKIP("needs free descriptors in the sanitizer runtime; runs in the plain build");
#endif
        m_port = ServiceProcess::freePort();
        QProcessEnvironment env = ServiceProcess::scrubbedEnvironment();
        env.insert(u"CONTROL_SOCKET"_s, m_runtime.filePath(u"control.sock"_s));
        env.insert(u"TARGET_HOST"_s, u"http://127.0.0.1:9"_s);
        env.insert(u"IDENTITY_TYPE"_s, u"systemassigned"_s);
        env.insert(u"AUDIENCE"_s, u"https://monitor.azure.com"_s);
        // A closed loopback port: the token never comes, which /health does not need.
        env.insert(u"AZURE_POD_IDENTITY_AUTHORITY_HOST"_s, u"http://127.0.0.1:9"_s);
        env.insert(u"LISTENING_PORT"_s, QString::number(m_port));
        env.insert(u"WORKER_THREADS"_s, u"2"_s);
        m_service.setProcessEnvironment(env);
        m_service.setProcessChannelMode(QProcess::SeparateChannels);
        m_service.setChildProcessModifier([] {
            const rlimit limit{kDescriptorLimit, kDescriptorLimit};
            ::setrlimit(RLIMIT_NOFILE, &limit);
        });
        m_service.start(QStringLiteral(AAP_SERVICE_BINARY), {u"--config"_s, u"/dev/null"_s});
        QVERIFY(m_service.waitForStarted(10'000));
        QTRY_COMPARE_WITH_TIMEOUT(health(1000), 200, 15'000);
    }

    void cleanup()
    {
        if (m_service.state() == QProcess::NotRunning && m_log.isEmpty()) {
            return; // init() skipped
        }
        m_clients.clear();
        stopService();
        QVERIFY2(m_log.contains("descriptor limit is low"), m_log.constData());
        m_log.clear();
    }

    void idleClientsAreShedForNewOnes()
    {
        openClients({});
        QVERIFY2(idleCpu(5) < 1.0, "the service spins while its descriptor table is full");
        // Issue 9 asks for an answer within 2 s; idle clients otherwise live 60 s.
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(health(2000), 200);
        QVERIFY(timer.elapsed() < 2000);
        m_clients.clear();
        stopService();
        QVERIFY(m_log.contains("descriptor limit reached"));
    }

    void busyClientsDoNotSpinAndNewClientsAreNotLeftHanging()
    {
        // A head that never completes: these connections are not idle, so nothing can be shed.
        openClients("GET / HTTP/1.1\r\n");
        QVERIFY2(idleCpu(5) < 1.0, "the service spins while its descriptor table is full");
        // A client that cannot be served is closed promptly rather than left in the backlog.
        QTcpSocket late;
        late.connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(late.waitForConnected(2000));
        late.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(
            late.state() == QAbstractSocket::UnconnectedState || late.bytesAvailable() > 0, 5000);
        // Once the stuck clients go away, the service serves again.
        m_clients.clear();
        QTRY_COMPARE_WITH_TIMEOUT(health(1000), 200, 5000);
    }
};

QTEST_GUILESS_MAIN(tst_ProxyDescriptorLimit)
#include "tst_ProxyDescriptorLimit.moc"
