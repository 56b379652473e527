// The real aad-auth-proxy program under a stand-in service manager: it owns the NOTIFY_SOCKET
// datagram socket and checks what systemd would see: READY=1 only once the port accepts, STATUS
// lines that follow the token, WATCHDOG=1 at half of WATCHDOG_USEC that stops while a worker is
// stuck, STOPPING=1 on SIGTERM, RELOADING=1 then READY=1 on SIGHUP, and SIGUSR1/2 survived.
#include "protocol/FakeImds.h"
#include "support/FakeUpstream.h"
#include "support/NotifySocket.h"
#include "support/process/HostedService.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>
#include <csignal>

using namespace Qt::StringLiterals;
using aap::test::FakeImds;
using aap::test::FakeTokenServer;
using aap::test::FakeUpstream;
using aap::test::HostedService;
using aap::test::NotifySocket;
using aap::test::ServiceProcess;

namespace {

bool portAccepts(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(2'000);
}

} // namespace

class tst_ServiceNotify : public QObject {
    Q_OBJECT

private:
    FakeImds m_imds;
    FakeUpstream m_upstream;

    QByteArray config(quint16 port) const
    {
        return u"[listener]\nport = %1\n[route]\ntarget_host = http://127.0.0.1:%2\n"
               "audience = https://monitor.azure.com\n[identity]\ntype = systemAssigned\n"_s.arg(port)
                   .arg(m_upstream.port())
                   .toUtf8();
    }

    void prepare(HostedService &service, quint16 port)
    {
        service.setVariable(u"AZURE_POD_IDENTITY_AUTHORITY_HOST"_s, m_imds.authorityHost().toString());
        service.setVariable(u"WORKER_THREADS"_s, u"2"_s);
        QVERIFY(service.writeConfig(config(port)));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_imds.isListening());
        QVERIFY(m_upstream.listen());
    }

    void cleanup() { m_imds.clearFaults(); }

    void readyOnlyOnceThePortAccepts()
    {
        NotifySocket notify;
        QVERIFY(notify.isOpen());
        const quint16 port = ServiceProcess::freePort();
        int readyMessages = 0;
        bool acceptedAtReady = false;
        // Probed from inside the datagram's arrival, before the test does anything else.
        notify.setOnMessage([&](const NotifySocket::Message &message) {
            if (message.has("READY=1") && readyMessages++ == 0)
                acceptedAtReady = portAccepts(port);
        });
        HostedService service(notify);
        prepare(service, port);
        QVERIFY(service.start());
        QCOMPARE(readyMessages, 1);
        QVERIFY2(acceptedAtReady, "READY=1 came before the listener accepted connections");
        const qsizetype ready = notify.indexOf("READY=1");
        QVERIFY2(notify.messages()[ready].has("STATUS="), "READY=1 comes with a STATUS line");
        // Once the token arrives the STATUS line says the service serves and for how long.
        const QByteArray expected =
            "STATUS=ready: 1 route on 127.0.0.1:" + QByteArray::number(port) + ", token valid";
        QVERIFY(notify.waitFor(expected));
        const QByteArray status = notify.messages()[notify.indexOf("STATUS=ready:")].value("STATUS");
        QVERIFY2(status.endsWith(" min"), status.constData());
        QVERIFY(service.stop());
    }

    void statusSaysWhatTheServiceWaitsFor()
    {
        m_imds.injectFault(
            FakeTokenServer::Fault::withStatus(500, R"({"error":"unknown","error_description":"boom"})"), -1);
        NotifySocket notify;
        HostedService service(notify);
        prepare(service, ServiceProcess::freePort());
        QVERIFY(service.start());
        QVERIFY(notify.waitFor("STATUS=waiting for the first token: "));
        const QByteArray waiting =
            notify.messages()[notify.indexOf("STATUS=waiting for the first token: ")].value("STATUS");
        QVERIFY2(waiting.contains("imds") && waiting.contains("500"), waiting.constData());
        QCOMPARE(notify.indexOf("STATUS=ready:"), -1);
        m_imds.clearFaults();
        QVERIFY(notify.waitFor("STATUS=ready:", 0, 60'000));
        QVERIFY(service.stop());
    }

    void watchdogPingsAtHalfTheTimeoutAndStopWhileAWorkerIsStuck()
    {
#ifndef AAP_TEST_HOOKS
        QSKIP("built without AAP_TEST_HOOKS: no way to stall a worker");
#endif
        NotifySocket notify;
        HostedService service(notify);
        prepare(service, ServiceProcess::freePort());
        // Pings every 300 ms; worker 0 is stuck from 2 s to 5 s after start.
        service.setVariable(u"WATCHDOG_USEC"_s, u"600000"_s);
        service.setVariable(u"AAP_TEST_STALL_WORKER"_s, u"2000:3000"_s);
        QVERIFY(service.start());
        const qint64 readyAt = notify.messages()[notify.indexOf("READY=1")].atMs;
        QTest::qWait(7'500);
        QList<qint64> pings;
        for (const auto &message : notify.messages()) {
            if (message.has("WATCHDOG=1"))
                pings << message.atMs - readyAt;
        }
        QVERIFY(service.stop());

        QList<qint64> before;
        for (const qint64 at : pings) {
            if (at < 1'900)
                before << at;
        }
        QVERIFY2(before.size() >= 4, qPrintable(u"%1 pings before the stall"_s.arg(before.size())));
        QList<qint64> intervals;
        for (qsizetype i = 1; i < before.size(); ++i)
            intervals << before[i] - before[i - 1];
        std::sort(intervals.begin(), intervals.end());
        const qint64 median = intervals[intervals.size() / 2];
        QVERIFY2(median >= 200 && median <= 450, qPrintable(u"median interval %1 ms"_s.arg(median)));

        // The stuck worker misses the ping posted at the tick after 2 s; no ping goes out until it
        // answers again at 5 s.
        qint64 longestGap = 0;
        qint64 gapStart = 0;
        for (qsizetype i = 1; i < pings.size(); ++i) {
            if (pings[i] - pings[i - 1] > longestGap) {
                longestGap = pings[i] - pings[i - 1];
                gapStart = pings[i - 1];
            }
        }
        QVERIFY2(longestGap >= 2'400, qPrintable(u"longest gap %1 ms"_s.arg(longestGap)));
        QVERIFY2(gapStart >= 1'500 && gapStart <= 2'800, qPrintable(u"gap starts at %1 ms"_s.arg(gapStart)));
        QVERIFY2(pings.last() >= 5'000, "pings resume once the worker answers again");
    }

    void sigtermSendsStopping()
    {
        NotifySocket notify;
        HostedService service(notify);
        prepare(service, ServiceProcess::freePort());
        QVERIFY(service.start());
        QCOMPARE(notify.indexOf("STOPPING=1"), -1);
        QVERIFY(service.stop());
        QVERIFY(notify.waitFor("STOPPING=1", 0, 5'000));
    }

    void sighupWithAValidConfigReloadsThenReportsReady()
    {
        NotifySocket notify;
        HostedService service(notify);
        const quint16 port = ServiceProcess::freePort();
        prepare(service, port);
        QVERIFY(service.start());
        const qsizetype from = notify.messages().size();
        service.signal(SIGHUP);
        QVERIFY(notify.waitFor("READY=1", from));
        const qsizetype reloading = notify.indexOf("RELOADING=1", from);
        QVERIFY(reloading >= 0);
        QVERIFY(reloading < notify.indexOf("READY=1", from));
        bool monotonic = false;
        QVERIFY(notify.messages()[reloading].value("MONOTONIC_USEC").toLongLong(&monotonic) > 0 && monotonic);
        QVERIFY(!notify.messages()[notify.indexOf("READY=1", from)].value("STATUS").contains("rejected"));
        QVERIFY(portAccepts(port));
        QVERIFY(service.stop());
    }

    void sighupWithAnInvalidConfigKeepsTheOldOne()
    {
        NotifySocket notify;
        HostedService service(notify);
        const quint16 port = ServiceProcess::freePort();
        prepare(service, port);
        QVERIFY(service.start());
        QByteArray bad = config(port);
        bad.replace(QByteArray("port = " + QByteArray::number(port)), QByteArray("port = 70000"));
        QVERIFY(service.writeConfig(bad));
        const qsizetype from = notify.messages().size();
        service.signal(SIGHUP);
        QVERIFY(notify.waitFor("READY=1", from));
        QVERIFY(notify.indexOf("RELOADING=1", from) >= 0);
        const QByteArray status = notify.messages()[notify.indexOf("READY=1", from)].value("STATUS");
        QVERIFY2(
            status.startsWith("reload rejected (1 error, see the log), running the previous configuration"),
            status.constData());
        QCOMPARE(service.process().state(), QProcess::Running);
        QVERIFY(portAccepts(port));
        // A good file afterwards clears the note.
        QVERIFY(service.writeConfig(config(port)));
        const qsizetype again = notify.messages().size();
        service.signal(SIGHUP);
        QVERIFY(notify.waitFor("READY=1", again));
        QVERIFY(!notify.messages()[notify.indexOf("READY=1", again)].value("STATUS").contains("rejected"));
        QVERIFY(service.stop());
    }

    void sigusr1AndSigusr2AreNotFatal()
    {
        NotifySocket notify;
        HostedService service(notify);
        const quint16 port = ServiceProcess::freePort();
        prepare(service, port);
        QVERIFY(service.start());
        service.signal(SIGUSR1);
        service.signal(SIGUSR2);
        QTest::qWait(300);
        QCOMPARE(service.process().state(), QProcess::Running);
        QVERIFY(portAccepts(port));
        QVERIFY(service.stop());
    }
};

QTEST_GUILESS_MAIN(tst_ServiceNotify)
#include "tst_ServiceNotify.moc"
