// Reloads of the real aad-auth-proxy program (SIGHUP, as `systemctl reload` sends it) while clients
// keep sending: no request is dropped, an unchanged identity keeps its token (the fake IMDS counts
// token requests), a changed identity gets a new one, a changed port is bound anew, and a request
// in flight at the reload finishes.
#include "protocol/FakeImds.h"
#include "support/FakeUpstream.h"
#include "support/NotifySocket.h"
#include "support/process/HostedService.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <csignal>
#include <functional>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;
using aap::test::FakeImds;
using aap::test::FakeUpstream;
using aap::test::HostedService;
using aap::test::NotifySocket;
using aap::test::ServiceProcess;

namespace {

// Clients that each send GET requests one after another on a kept-alive connection (a new one
// when the proxy answers "Connection: close"), until `total` answers came back or the time is up.
// Anything but a complete 200 answer counts as a failure.
class LoadLoop : public QObject {
public:
    LoadLoop(quint16 port, int lanes, int total) : m_port(port), m_total(total)
    {
        for (int i = 0; i < lanes; ++i)
            m_lanes.push_back(std::make_unique<Lane>());
    }

    // Called after each answer with the number of answers so far.
    void setOnAnswer(std::function<void(int)> callback) { m_onAnswer = std::move(callback); }

    bool run(int timeoutMs)
    {
        for (auto &lane : m_lanes)
            send(*lane);
        return QTest::qWaitFor([this] { return m_answered + m_failed >= m_total; }, timeoutMs);
    }

    [[nodiscard]] int answered() const { return m_answered; }
    [[nodiscard]] int failed() const { return m_failed; }
    [[nodiscard]] const QStringList &failures() const { return m_failures; }

private:
    struct Lane {
        std::unique_ptr<QTcpSocket> socket;
        QByteArray buffer;
    };

    void send(Lane &lane)
    {
        if (m_sent >= m_total)
            return;
        ++m_sent;
        if (!lane.socket || lane.socket->state() != QAbstractSocket::ConnectedState) {
            lane.socket = std::make_unique<QTcpSocket>();
            lane.buffer.clear();
            QTcpSocket *socket = lane.socket.get();
            connect(socket, &QTcpSocket::readyRead, this, [this, &lane, socket] {
                if (lane.socket.get() == socket)
                    read(lane);
            });
            connect(socket, &QTcpSocket::errorOccurred, this, [this, &lane, socket] {
                if (lane.socket.get() == socket)
                    fail(lane, socket->errorString());
            });
            socket->connectToHost(QHostAddress::LocalHost, m_port);
        }
        lane.socket->write("GET /load/" + QByteArray::number(m_sent) + " HTTP/1.1\r\nHost: load\r\n\r\n");
    }

    void read(Lane &lane)
    {
        lane.buffer += lane.socket->readAll();
        const qsizetype headEnd = lane.buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return;
        const QByteArray head = lane.buffer.left(headEnd).toLower();
        const qsizetype lengthAt = head.indexOf("content-length:");
        const qsizetype length = lengthAt < 0
                                     ? 0
                                     : head.mid(lengthAt + 15, head.indexOf('\r', lengthAt) - lengthAt - 15)
                                           .trimmed()
                                           .toLongLong();
        if (lane.buffer.size() < headEnd + 4 + length)
            return;
        const bool ok = head.startsWith("http/1.1 200");
        const bool close = head.contains("\r\nconnection: close");
        lane.buffer.remove(0, headEnd + 4 + length);
        if (!ok) {
            fail(lane, QString::fromLatin1(head.left(head.indexOf('\r'))));
            return;
        }
        ++m_answered;
        if (close)
            drop(lane);
        if (m_onAnswer)
            m_onAnswer(m_answered);
        send(lane);
    }

    void fail(Lane &lane, const QString &why)
    {
        ++m_failed;
        m_failures << why;
        drop(lane);
        send(lane);
    }

    void drop(Lane &lane)
    {
        QTcpSocket *socket = lane.socket.release();
        socket->disconnect(this);
        socket->deleteLater();
    }

    quint16 m_port;
    int m_total;
    int m_sent = 0;
    int m_answered = 0;
    int m_failed = 0;
    QStringList m_failures;
    std::vector<std::unique_ptr<Lane>> m_lanes;
    std::function<void(int)> m_onAnswer;
};

} // namespace

class tst_ServiceReload : public QObject {
    Q_OBJECT

private:
    FakeImds m_imds;
    FakeUpstream m_upstream;

    QByteArray config(quint16 port, const QString &audience = u"https://monitor.azure.com"_s,
                      const QString &generation = u"0"_s) const
    {
        // The generation is the target's base path: the upstream sees which configuration forwarded.
        return u"[listener]\nport = %1\n[route]\ntarget_host = http://127.0.0.1:%2/gen%4\naudience = %3\n"
               "[identity]\ntype = systemAssigned\n"_s.arg(port)
                   .arg(m_upstream.port())
                   .arg(audience, generation)
                   .toUtf8();
    }

    // Starts the service and waits until it holds its first token.
    bool start(NotifySocket &notify, HostedService &service, quint16 port)
    {
        service.setVariable(u"AZURE_POD_IDENTITY_AUTHORITY_HOST"_s, m_imds.authorityHost().toString());
        service.setVariable(u"WORKER_THREADS"_s, u"2"_s);
        return service.writeConfig(config(port)) && service.start() && notify.waitFor("STATUS=ready:");
    }

    // Sends SIGHUP and waits for the READY=1 that ends the reload; fails on a rejected one.
    static void reload(NotifySocket &notify, HostedService &service)
    {
        const qsizetype from = notify.messages().size();
        service.signal(SIGHUP);
        QVERIFY(notify.waitFor("READY=1", from));
        const QByteArray status = notify.messages()[notify.indexOf("READY=1", from)].value("STATUS");
        QVERIFY2(!status.contains("rejected"), status.constData());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_imds.isListening());
        QVERIFY(m_upstream.listen());
    }

    void init()
    {
        m_upstream.setHandler([](const FakeUpstream::Request &) { return FakeUpstream::Response{}; });
    }

    void reloadsUnderLoadDropNoRequestAndKeepTheToken()
    {
        NotifySocket notify;
        HostedService service(notify);
        const quint16 port = ServiceProcess::freePort();
        QVERIFY(start(notify, service, port));
        const int tokenRequests = m_imds.requestCount();
        const qsizetype firstReload = notify.messages().size();

        // 4 clients, 600 requests, a reload with a new target base path after 100, 250 and 400 answers.
        LoadLoop load(port, 4, 600);
        int generation = 0;
        load.setOnAnswer([&](int answered) {
            if (answered == 100 || answered == 250 || answered == 400) {
                ++generation;
                QVERIFY(service.writeConfig(
                    config(port, u"https://monitor.azure.com"_s, QString::number(generation))));
                service.signal(SIGHUP);
            }
        });
        const int upstreamBefore = static_cast<int>(m_upstream.requests().size());
        QVERIFY2(load.run(120'000), "the bounded load loop did not finish in time");
        QVERIFY2(load.failed() == 0, qPrintable(load.failures().join(u"; "_s)));
        QCOMPARE(load.answered(), 600);
        QCOMPARE(static_cast<int>(m_upstream.requests().size()) - upstreamBefore, 600);

        // Three reloads, each answered RELOADING=1 then READY=1, none rejected.
        QTRY_COMPARE_WITH_TIMEOUT(
            std::count_if(notify.messages().begin() + firstReload, notify.messages().end(),
                          [](const NotifySocket::Message &m) { return m.has("READY=1"); }),
            3, 20'000);
        qsizetype at = firstReload;
        for (int i = 0; i < 3; ++i) {
            const qsizetype reloading = notify.indexOf("RELOADING=1", at);
            QVERIFY(reloading >= 0);
            at = notify.indexOf("READY=1", reloading);
            QVERIFY(at >= 0);
            QVERIFY(!notify.messages()[at].value("STATUS").contains("rejected"));
        }
        // The new configuration serves, the identity did not change: no new token was fetched.
        QVERIFY2(m_upstream.requests().last().target.startsWith("/gen3/load/"),
                 m_upstream.requests().last().target.constData());
        QCOMPARE(m_imds.requestCount(), tokenRequests);
        QVERIFY(service.stop());
    }

    void aChangedIdentityGetsItsOwnToken()
    {
        NotifySocket notify;
        HostedService service(notify);
        const quint16 port = ServiceProcess::freePort();
        QVERIFY(start(notify, service, port));
        const int tokenRequests = m_imds.requestCount();
        QVERIFY(service.writeConfig(config(port, u"https://management.azure.com"_s)));
        reload(notify, service);
        QTRY_COMPARE_WITH_TIMEOUT(m_imds.requestCount(), tokenRequests + 1, 20'000);
        QCOMPARE(m_imds.lastRequest().queryValue(u"resource"_s), u"https://management.azure.com"_s);
        QVERIFY(service.stop());
    }

    void aChangedPortIsBoundAndTheRequestInFlightFinishes()
    {
        NotifySocket notify;
        HostedService service(notify);
        const quint16 oldPort = ServiceProcess::freePort();
        QVERIFY(start(notify, service, oldPort));
        const int tokenRequests = m_imds.requestCount();
        m_upstream.setHandler([](const FakeUpstream::Request &request) {
            FakeUpstream::Response response;
            response.body = "done " + request.target;
            response.delayMs = request.target.endsWith("/slow") ? 1'500 : 0;
            return response;
        });

        QTcpSocket slow;
        slow.connectToHost(QHostAddress::LocalHost, oldPort);
        QVERIFY(slow.waitForConnected(5'000));
        slow.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(
            !m_upstream.requests().isEmpty() && m_upstream.requests().last().target == "/gen0/slow", 10'000);

        const quint16 newPort = ServiceProcess::freePort();
        QVERIFY(service.writeConfig(config(newPort)));
        reload(notify, service);

        // The old exchange completes on the old connection, then that connection closes.
        QByteArray answer;
        QVERIFY(QTest::qWaitFor(
            [&] {
                answer += slow.readAll();
                return answer.contains("done /gen0/slow");
            },
            10'000));
        QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());

        QTcpSocket fresh;
        fresh.connectToHost(QHostAddress::LocalHost, newPort);
        QVERIFY(fresh.waitForConnected(5'000));
        fresh.write("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
        QByteArray reply;
        QVERIFY(QTest::qWaitFor(
            [&] {
                reply += fresh.readAll();
                return reply.contains("done /gen0/fast");
            },
            10'000));
        QVERIFY2(reply.startsWith("HTTP/1.1 200"), reply.constData());

        // The old port is closed once the old generation has drained.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                QTcpSocket old;
                old.connectToHost(QHostAddress::LocalHost, oldPort);
                return !old.waitForConnected(1'000);
            }(),
            10'000);
        QCOMPARE(m_imds.requestCount(), tokenRequests);
        QVERIFY(service.stop());
    }
};

QTEST_GUILESS_MAIN(tst_ServiceReload)
#include "tst_ServiceReload.moc"
