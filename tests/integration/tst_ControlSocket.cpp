// The control socket of the real aad-auth-proxy program (docs/control-protocol.md): framing
// abuse, version refusal, many clients, a client that never reads, the socket file's mode and
// group, write permission by peer credentials (a second uid through setpriv), reconnection of
// ipc::ControlClient across a restart, and that no token or secret ever crosses the socket.
#include "ipc/ControlClient.h"
#include "ipc/ControlMessage.h"
#include "ipc/FrameCodec.h"
#include "ipc/FrameReader.h"
#include "protocol/FakeEntra.h"
#include "protocol/FakeImds.h"
#include "protocol/TestPki.h"
#include "support/FakeUpstream.h"
#include "support/process/ServiceProcess.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <memory>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using aap::ipc::ControlClient;
using aap::ipc::ControlMessage;
using aap::ipc::FrameCodec;
using aap::ipc::FrameReader;
using aap::test::FakeEntra;
using aap::test::FakeImds;
using aap::test::FakeUpstream;
using aap::test::ServiceProcess;
using aap::test::TestPki;

namespace {

// A blocking client that speaks the protocol by hand, so tests can send what ControlClient never
// would, and that keeps every byte it received.
class RawClient {
public:
    bool connectTo(const QString &path)
    {
        m_socket.connectToServer(path);
        return m_socket.waitForConnected(5000);
    }
    void sendBytes(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.waitForBytesWritten(5000);
    }
    void send(qint64 id, const QString &type, const QJsonObject &payload = {})
    {
        sendBytes(ControlMessage::request(id, type, payload).toFrame().value());
    }
    // The next message, or nullopt after timeoutMs or when the service closed the connection.
    std::optional<ControlMessage> next(int timeoutMs = 10'000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (true) {
            auto frame = m_reader.next();
            if (frame && frame->has_value())
                return ControlMessage::fromJson(**frame).value();
            if (!frame)
                return std::nullopt;
            if (m_socket.state() != QLocalSocket::ConnectedState && m_socket.bytesAvailable() == 0)
                return std::nullopt;
            if (m_socket.bytesAvailable() == 0 &&
                !m_socket.waitForReadyRead(static_cast<int>(deadline.remainingTime())))
                return std::nullopt;
            const QByteArray bytes = m_socket.readAll();
            m_received += bytes;
            m_reader.append(bytes);
        }
    }
    // The answer to request `id`, skipping pushes.
    std::optional<ControlMessage> answer(qint64 id, int timeoutMs = 10'000)
    {
        while (auto message = next(timeoutMs)) {
            if (message->id == id)
                return message;
        }
        return std::nullopt;
    }
    std::optional<ControlMessage> request(qint64 id, const QString &type, const QJsonObject &payload = {})
    {
        send(id, type, payload);
        return answer(id);
    }
    bool hello()
    {
        const auto answer = request(1, u"hello"_s, QJsonObject{{u"version"_s, u"1.0"_s}});
        return answer && !answer->error;
    }
    // True once the service closed the connection (within timeoutMs).
    bool closedByPeer(int timeoutMs = 5000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (m_socket.state() == QLocalSocket::ConnectedState && !deadline.hasExpired()) {
            if (m_socket.waitForReadyRead(100))
                m_received += m_socket.readAll();
        }
        return m_socket.state() != QLocalSocket::ConnectedState;
    }
    QLocalSocket &socket() { return m_socket; }
    [[nodiscard]] const QByteArray &received() const { return m_received; }

private:
    QLocalSocket m_socket;
    FrameReader m_reader;
    QByteArray m_received;
};

// `--control-client SOCKET TYPE` (used through setpriv as another uid): hello, then one request;
// prints "connect-failed <error>" or the answer's JSON.
int runClientHelper(const QStringList &arguments)
{
    RawClient client;
    if (!client.connectTo(arguments.value(2))) {
        std::printf("connect-failed %d\n", static_cast<int>(client.socket().error()));
        return 3;
    }
    const auto hello = client.request(1, u"hello"_s, QJsonObject{{u"version"_s, u"1.0"_s}});
    const auto answer = client.request(2, arguments.value(3));
    if (!hello || !answer)
        return 4;
    std::printf("%s\n%s\n", hello->toJson().constData(), answer->toJson().constData());
    return 0;
}

} // namespace

class tst_ControlSocket : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    FakeImds m_imds;
    FakeUpstream m_upstream;
    QProcess m_service;
    quint16 m_port = 0;
    QString m_socketPath;

    QProcessEnvironment baseEnvironment() const
    {
        QProcessEnvironment env = ServiceProcess::scrubbedEnvironment();
        env.insert(u"TARGET_HOST"_s, u"http://127.0.0.1:%1"_s.arg(m_upstream.port()));
        env.insert(u"AUDIENCE"_s, u"https://monitor.azure.com"_s);
        env.insert(u"LISTENING_PORT"_s, QString::number(m_port));
        env.insert(u"WORKER_THREADS"_s, u"1"_s);
        env.insert(u"CONTROL_SOCKET"_s, m_socketPath);
        env.insert(u"AAD_AUTH_PROXY_CONFIG"_s, QString());
        return env;
    }

    void startService(QProcessEnvironment env, const QStringList &arguments = {u"--config"_s, u"/dev/null"_s})
    {
        m_service.setProcessEnvironment(env);
        m_service.setProcessChannelMode(QProcess::SeparateChannels);
        m_service.start(QStringLiteral(AAP_SERVICE_BINARY), arguments);
        QVERIFY(m_service.waitForStarted(10'000));
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(m_socketPath), 15'000);
        QTRY_COMPARE_WITH_TIMEOUT(ServiceProcess::get(m_port, u"/health"_s).status, 200, 15'000);
    }

    void startImdsService()
    {
        QProcessEnvironment env = baseEnvironment();
        env.insert(u"IDENTITY_TYPE"_s, u"systemassigned"_s);
        env.insert(u"AZURE_POD_IDENTITY_AUTHORITY_HOST"_s, m_imds.authorityHost().toString());
        startService(env);
    }

    void stopService()
    {
        if (m_service.state() == QProcess::NotRunning)
            return;
        ::kill(static_cast<pid_t>(m_service.processId()), SIGTERM);
        QVERIFY(m_service.waitForFinished(20'000));
        QCOMPARE(m_service.exitCode(), 0);
    }

    // The service still answers a new client: whatever another client did only hurt that client.
    void checkServiceHealthy()
    {
        QCOMPARE(m_service.state(), QProcess::Running);
        RawClient client;
        QVERIFY(client.connectTo(m_socketPath));
        QVERIFY(client.hello());
        const auto status = client.request(2, u"status"_s);
        QVERIFY(status && !status->error);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // Another uid (setpriv below) must reach the socket: the folder is traversable.
        QVERIFY(QFile::setPermissions(m_dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                        QFileDevice::ExeOwner | QFileDevice::ExeGroup |
                                                        QFileDevice::ExeOther));
        m_socketPath = m_dir.filePath(u"run/control.sock"_s);
        QVERIFY(m_imds.isListening());
        m_imds.setSystemClientId(u"aaaaaaaa-0000-0000-0000-000000000001"_s);
        QVERIFY(m_upstream.listen());
    }

    void init() { m_port = ServiceProcess::freePort(); }

    void cleanup()
    {
        if (m_service.state() != QProcess::NotRunning) {
            m_service.kill();
            m_service.waitForFinished(5000);
        }
        m_imds.clearFaults();
    }

    void helloAndStatus()
    {
        startImdsService();
        RawClient client;
        QVERIFY(client.connectTo(m_socketPath));
        const auto hello =
            client.request(1, u"hello"_s, QJsonObject{{u"version"_s, u"1.3"_s}, {u"new"_s, 1}});
        QVERIFY(hello && !hello->error);
        QCOMPARE(hello->payload.value(u"version"_s).toString(), u"1.0"_s);
        QCOMPARE(hello->payload.value(u"can_write"_s).toBool(), ::geteuid() == 0);
        QCOMPARE(hello->payload.value(u"pid"_s).toInteger(), m_service.processId());

        QJsonObject route;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto status = client.request(2, u"status"_s);
                route = status->payload.value(u"routes"_s).toArray().at(0).toObject();
                return route.value(u"ready"_s).toBool();
            }(),
            15'000);
        QCOMPARE(route.value(u"audience"_s).toString(), u"https://monitor.azure.com"_s);
        QCOMPARE(route.value(u"identity"_s).toObject().value(u"kind"_s).toString().toLower(),
                 u"systemassigned"_s);
        const QJsonObject token = route.value(u"token"_s).toObject();
        QCOMPARE(token.value(u"state"_s).toString(), u"valid"_s);
        QVERIFY(QDateTime::fromString(token.value(u"expires_on"_s).toString(), Qt::ISODateWithMs) >
                QDateTime::currentDateTimeUtc());
        QVERIFY(
            QDateTime::fromString(token.value(u"next_refresh"_s).toString(), Qt::ISODateWithMs).isValid());
        QVERIFY(route.value(u"last_result"_s).toObject().value(u"ok"_s).toBool());

        // Token events are sampled once a second.
        QTRY_VERIFY_WITH_TIMEOUT(
            !client.request(3, u"status"_s)->payload.value(u"events"_s).toArray().isEmpty(), 5000);
        const auto status = client.request(5, u"status"_s);
        const QJsonObject event = status->payload.value(u"events"_s).toArray().at(0).toObject();
        QCOMPARE(event.value(u"event"_s).toString(), u"obtained"_s);
        QCOMPARE(status->payload.value(u"listener"_s).toObject().value(u"port"_s).toInt(), m_port);
        QCOMPARE(status->payload.value(u"listener"_s).toObject().value(u"state"_s).toString(),
                 u"listening"_s);

        // Counters move with traffic, and a subscriber gets a push (at most one a second).
        QCOMPARE(ServiceProcess::get(m_port, u"/x"_s).status, 200);
        // A refused request shows under its kind (QNetworkAccessManager would tidy this path away).
        QTcpSocket raw;
        raw.connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(raw.waitForConnected(5000));
        raw.write("GET /../x HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(raw.waitForReadyRead(5000));
        QVERIFY(raw.readAll().startsWith("HTTP/1.1 400"));
        client.send(6, u"subscribe"_s);
        QVERIFY(client.answer(6));
        QElapsedTimer timer;
        timer.start();
        std::optional<ControlMessage> push;
        int pushes = 0;
        while (timer.elapsed() < 2500) {
            auto message = client.next(500);
            if (message && message->isPush()) {
                ++pushes;
                push = message;
            }
        }
        QVERIFY(push);
        QCOMPARE(push->type, u"status.push"_s);
        QVERIFY(pushes <= 3);
        QVERIFY(push->payload.value(u"counters"_s).toObject().value(u"requests"_s).toInt() >= 1);
        const QJsonObject byKind =
            push->payload.value(u"counters"_s).toObject().value(u"errors_by_kind"_s).toObject();
        QCOMPARE(byKind.value(u"bad_request"_s).toInt(), 1);
        QCOMPARE(byKind.keys(), QStringList{u"bad_request"_s});
        stopService();
    }

    void splitAndJoinedFrames()
    {
        startImdsService();
        RawClient client;
        QVERIFY(client.connectTo(m_socketPath));
        const QByteArray hello =
            ControlMessage::request(1, u"hello"_s, QJsonObject{{u"version"_s, u"1.0"_s}}).toFrame().value();
        for (const char byte : hello)
            client.sendBytes(QByteArray(1, byte));
        QVERIFY(client.answer(1));
        // Three requests in one write, answered by id.
        client.sendBytes(ControlMessage::request(7, u"status"_s).toFrame().value() +
                         ControlMessage::request(8, u"config.get"_s).toFrame().value() +
                         ControlMessage::request(9, u"status"_s).toFrame().value());
        QList<qint64> ids;
        for (int i = 0; i < 3; ++i)
            ids.append(client.next()->id);
        std::sort(ids.begin(), ids.end());
        QCOMPARE(ids, (QList<qint64>{7, 8, 9}));
        stopService();
    }

    void protocolErrorsKeepTheConnection()
    {
        startImdsService();
        RawClient client;
        QVERIFY(client.connectTo(m_socketPath));
        const auto early = client.request(1, u"status"_s);
        QCOMPARE(early->error->code, u"hello_required"_s);
        QVERIFY(client.hello());
        client.sendBytes(FrameCodec::encode("this is not json").value());
        QCOMPARE(client.next()->error->code, u"bad_message"_s);
        const auto unknown = client.request(3, u"teleport"_s, QJsonObject{{u"where"_s, u"mars"_s}});
        QCOMPARE(unknown->error->code, u"unknown_type"_s);
        const auto status = client.request(4, u"status"_s);
        QVERIFY(status && !status->error);
        stopService();
    }

    void wrongMajorIsRefused()
    {
        startImdsService();
        RawClient client;
        QVERIFY(client.connectTo(m_socketPath));
        const auto answer = client.request(1, u"hello"_s, QJsonObject{{u"version"_s, u"2.0"_s}});
        QVERIFY(answer && answer->error);
        QCOMPARE(answer->error->code, u"unsupported_version"_s);
        QVERIFY(answer->error->message.contains(u"1.0"_s));
        QVERIFY(answer->error->message.contains(u"2.0"_s));
        QVERIFY(client.closedByPeer());
        checkServiceHealthy();
        stopService();
    }

    void oversizeGarbageAndHalfFrames()
    {
        startImdsService();
        {
            RawClient oversize;
            QVERIFY(oversize.connectTo(m_socketPath));
            QByteArray header(4, '\0');
            header[0] = 0x7f; // about 2 GB announced
            oversize.sendBytes(header);
            const auto error = oversize.next();
            QVERIFY(error && error->error);
            QCOMPARE(error->error->code, u"bad_frame"_s);
            QVERIFY(oversize.closedByPeer());
        }
        {
            RawClient garbage;
            QVERIFY(garbage.connectTo(m_socketPath));
            QByteArray noise(4096, '\0');
            for (char &byte : noise)
                byte = static_cast<char>(QRandomGenerator::global()->bounded(256));
            noise[0] = 0; // a plausible length, then junk inside the frame
            noise[1] = 0;
            noise[2] = 1;
            garbage.sendBytes(noise);
        }
        {
            RawClient half;
            QVERIFY(half.connectTo(m_socketPath));
            half.sendBytes(ControlMessage::request(1, u"hello"_s, QJsonObject{{u"version"_s, u"1.0"_s}})
                               .toFrame()
                               .value()
                               .left(10));
            // Disconnects mid-frame when it goes out of scope.
        }
        checkServiceHealthy();
        stopService();
    }

    void fiftyClientsAtOnce()
    {
        startImdsService();
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 50; ++i) {
            clients.push_back(std::make_unique<RawClient>());
            QVERIFY(clients.back()->connectTo(m_socketPath));
        }
        for (auto &client : clients)
            client->send(1, u"hello"_s, QJsonObject{{u"version"_s, u"1.0"_s}});
        for (auto &client : clients)
            client->send(2, u"status"_s);
        for (auto &client : clients) {
            QVERIFY(client->answer(1));
            const auto status = client->answer(2);
            QVERIFY(status && !status->error);
        }
        stopService();
    }

    void stalledReaderIsDisconnected()
    {
        startImdsService();
        RawClient stalled;
        QVERIFY(stalled.connectTo(m_socketPath));
        QVERIFY(stalled.hello());
        // Thousands of requests whose answers (several kB each) it never reads: its send queue
        // passes the bound and the service drops it instead of buffering without end.
        QByteArray burst;
        for (int i = 0; i < 3000; ++i)
            burst += ControlMessage::request(100 + i, u"config.get"_s).toFrame().value();
        stalled.sendBytes(burst);
        QByteArray log;
        QTRY_VERIFY_WITH_TIMEOUT((log += m_service.readAllStandardError()).contains("does not read"), 30'000);
        checkServiceHealthy();
        QVERIFY(stalled.closedByPeer(10'000));
        stopService();
    }

    void socketModeAndGroup()
    {
        startImdsService();
        struct stat info {};
        QCOMPARE(::stat(QFile::encodeName(m_socketPath).constData(), &info), 0);
        QVERIFY(S_ISSOCK(info.st_mode));
        QCOMPARE(info.st_mode & 07777U, 0660U);
        QCOMPARE(info.st_uid, ::geteuid());
        const group *admin = ::getgrnam("aad-auth-proxy-admin");
        QCOMPARE(info.st_gid, admin != nullptr ? admin->gr_gid : ::getegid());
        stopService();
        QVERIFY(!QFileInfo::exists(m_socketPath)); // removed on a clean stop
    }

    void writeNeedsPeerCredentials()
    {
        if (::geteuid() != 0)
            QSKIP("needs root to act as a second uid through setpriv");
        if (::getgrnam("aad-auth-proxy-admin") != nullptr)
            QSKIP("this machine has the admin group; the test expects the service's group on the socket");
        startImdsService();
        // The helper is this test program, copied where uid 65534 may execute it.
        const QString helper = m_dir.filePath(u"control-helper"_s);
        QFile::remove(helper);
        QVERIFY(QFile::copy(QCoreApplication::applicationFilePath(), helper));
        const auto runAs = [&](const QStringList &privileges, const QString &type) {
            QProcess process;
            QProcessEnvironment env;
            env.insert(u"ASAN_OPTIONS"_s, u"detect_leaks=0"_s);
            process.setProcessEnvironment(env);
            process.start(u"setpriv"_s,
                          privileges + QStringList{helper, u"--control-client"_s, m_socketPath, type});
            process.waitForFinished(15'000);
            return std::pair{process.exitCode(), QString::fromUtf8(process.readAllStandardOutput())};
        };
        // Not in the socket's group: the kernel refuses the connection.
        const auto outsider =
            runAs({u"--reuid=65534"_s, u"--regid=65534"_s, u"--clear-groups"_s}, u"status"_s);
        QCOMPARE(outsider.first, 3);
        QVERIFY(outsider.second.startsWith(u"connect-failed"_s));
        // In the socket's group (root's, as no admin group exists): may read, may not write.
        const QStringList member{u"--reuid=65534"_s, u"--regid=65534"_s, u"--groups=0"_s};
        const auto reader = runAs(member, u"status"_s);
        QCOMPARE(reader.first, 0);
        QVERIFY(reader.second.contains(u"\"can_write\":false"_s));
        QVERIFY(reader.second.contains(u"\"routes\""_s));
        for (const QString &write : {u"refresh"_s, u"config.apply"_s}) {
            const auto writer = runAs(member, write);
            QCOMPARE(writer.first, 0);
            QVERIFY2(writer.second.contains(u"permission_denied"_s), qPrintable(writer.second));
        }
        // Root (uid 0 by SO_PEERCRED) may.
        RawClient root;
        QVERIFY(root.connectTo(m_socketPath));
        QVERIFY(root.hello());
        const auto refreshed = root.request(2, u"refresh"_s);
        QVERIFY(refreshed && !refreshed->error);
        stopService();
    }

    // config.apply end to end: a refused text changes nothing; a valid one is backed up, written
    // over the file (its comment kept, as sent) and reloaded, and the proxy forwards with it.
    void configApplyBacksUpWritesAndReloads()
    {
        const QString path = m_dir.filePath(u"apply.conf"_s);
        const QString backup = path + u".bak"_s;
        QFile::remove(path);
        QFile::remove(backup);
        const auto configText = [&](const QString &basePath) {
            return u"# kept as written\n[route]\ntarget_host = http://127.0.0.1:%1/%2\n"
                   "audience = https://monitor.azure.com\n[identity]\ntype = systemAssigned\n"_s
                       .arg(m_upstream.port())
                       .arg(basePath);
        };
        const auto readText = [](const QString &file) {
            QFile in(file);
            return in.open(QIODevice::ReadOnly) ? QString::fromUtf8(in.readAll()) : QString();
        };
        const QString before = configText(u"before"_s);
        {
            QFile out(path);
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write(before.toUtf8());
        }
        // The file decides the target and the identity: the environment would override it.
        QProcessEnvironment env = baseEnvironment();
        env.remove(u"TARGET_HOST"_s);
        env.remove(u"AUDIENCE"_s);
        env.insert(u"AZURE_POD_IDENTITY_AUTHORITY_HOST"_s, m_imds.authorityHost().toString());
        startService(env, {u"--config"_s, path});
        RawClient client;
        QVERIFY(client.connectTo(m_socketPath));
        QVERIFY(client.hello());

        const QString invalid = before + u"[identity]\ntype = magic\n"_s;
        const auto refused = client.request(2, u"config.apply"_s, QJsonObject{{u"text"_s, invalid}});
        QVERIFY(refused && refused->error);
        QCOMPARE(refused->error->code, QString(aap::ipc::errors::kInvalidConfig));
        QVERIFY2(refused->error->message.contains(u"identity"_s), qPrintable(refused->error->message));
        QCOMPARE(readText(path), before);
        QVERIFY(!QFileInfo::exists(backup));

        const QString after = configText(u"after"_s);
        const auto applied = client.request(3, u"config.apply"_s, QJsonObject{{u"text"_s, after}});
        QVERIFY(applied && !applied->error);
        QVERIFY2(applied->payload.value(u"applied"_s).toBool(), applied->toJson().constData());
        QVERIFY(applied->payload.value(u"reload"_s).toObject().value(u"ok"_s).toBool());
        QCOMPARE(applied->payload.value(u"backup"_s).toString(), backup);
        QCOMPARE(readText(backup), before);
        QCOMPARE(readText(path), after);

        QCOMPARE(ServiceProcess::get(m_port, u"/probe"_s).status, 200);
        QCOMPARE(m_upstream.requests().last().target, QByteArray("/after/probe"));
        checkServiceHealthy();
        stopService();
    }

    void clientReconnectsAfterRestart()
    {
        startImdsService();
        ControlClient client;
        client.setServerName(m_socketPath);
        client.setReconnectDelays(50ms, 200ms);
        client.setSubscribed(true);
        QSignalSpy connected(&client, &ControlClient::connected);
        QSignalSpy pushed(&client, &ControlClient::statusPushed);
        client.start();
        QVERIFY(connected.wait(10'000));
        QVERIFY(client.serviceInfo().canWrite == (::geteuid() == 0));
        QVERIFY(pushed.wait(5000));

        bool answered = false;
        client.request(u"status"_s, {}, this, [&answered](const ControlClient::Result &result) {
            answered = result.has_value() && result->contains(u"routes"_s);
        });
        QTRY_VERIFY_WITH_TIMEOUT(answered, 5000);

        stopService();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), ControlClient::State::Disconnected, 5000);
        QCOMPARE(client.problem(), ControlClient::Problem::NotRunning);
        startImdsService();
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, 10'000);
        // The subscription was renewed.
        pushed.clear();
        QVERIFY(pushed.wait(5000));
        client.stop();
        stopService();
    }

    void clientReportsMissingSocketAndWrongVersion()
    {
        ControlClient client;
        client.setServerName(m_dir.filePath(u"nothing-here.sock"_s));
        client.setReconnectDelays(50ms, 100ms);
        QSignalSpy disconnected(&client, &ControlClient::disconnected);
        client.start();
        QVERIFY(disconnected.wait(5000));
        QCOMPARE(client.problem(), ControlClient::Problem::NotRunning);
        QVERIFY(client.problemText().contains(u"not running"_s));
        bool failed = false;
        client.request(u"status"_s, {}, this, [&failed](const ControlClient::Result &result) {
            failed = !result && result.error().code == u"disconnected"_s;
        });
        QTRY_VERIFY_WITH_TIMEOUT(failed, 5000);
        client.stop();
    }

    // A real session with every request a configurator makes, against a service whose
    // configuration file holds a client secret and which has obtained a token from the strict
    // fake Entra: neither the secret nor the token appears in any byte the socket carried.
    void noTokenOrSecretCrossesTheSocket()
    {
        TestPki pki;
        QVERIFY(pki.isValid());
        FakeEntra entra(pki.serverConfiguration());
        QVERIFY(entra.start());
        const QString tenant = u"contoso.onmicrosoft.com"_s;
        const QString clientId = u"11111111-2222-3333-4444-555555555555"_s;
        const QByteArray secret =
            "S3cr3t-" + QByteArray::number(QRandomGenerator::global()->generate64(), 36);
        entra.addSecretClient(tenant, clientId, secret);

        const QString configPath = m_dir.filePath(u"config.ini"_s);
        QFile file(configPath);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("# test configuration\n[identity]\ntype = aadapplication\ntenant_id = " + tenant.toUtf8() +
                   "\nclient_id = " + clientId.toUtf8() + "\nclient_secret = " + secret + "\n");
        file.close();

        QProcessEnvironment env = baseEnvironment();
        env.insert(u"AZURE_AUTHORITY_HOST"_s, entra.authorityHost().toString());
        env.insert(u"SSL_CERT_FILE"_s, pki.caCertificatePath());
        startService(env, {u"--config"_s, configPath});
        QTRY_COMPARE_WITH_TIMEOUT(ServiceProcess::get(m_port, u"/ready"_s).status, 200, 20'000);
        QCOMPARE(ServiceProcess::get(m_port, u"/forward"_s).status, 200);
        const QByteArray authorization =
            m_upstream.requests().last().header("Authorization").value_or(QByteArray());
        QVERIFY(authorization.startsWith("Bearer "));
        const QByteArray token = authorization.mid(7);

        RawClient client;
        QVERIFY(client.connectTo(m_socketPath));
        QVERIFY(client.hello());
        client.send(2, u"subscribe"_s);
        QVERIFY(client.answer(2));
        QVERIFY(client.request(3, u"status"_s));
        const auto config = client.request(4, u"config.get"_s);
        QVERIFY(config && !config->error);
        const QString text = config->payload.value(u"text"_s).toString();
        QVERIFY(text.contains(u"client_secret = <redacted>"_s));
        QVERIFY(text.contains(u"# test configuration"_s));
        const auto validated = client.request(5, u"config.validate"_s, QJsonObject{{u"text"_s, text}});
        QVERIFY(validated && !validated->error);
        QVERIFY2(validated->payload.value(u"valid"_s).toBool(),
                 QJsonDocument(validated->payload).toJson().constData());
        const auto broken =
            client.request(6, u"config.validate"_s,
                           QJsonObject{{u"text"_s, QString(text + u"\n[listener]\nport = seventy\n"_s)}});
        QVERIFY(!broken->payload.value(u"valid"_s).toBool());
        QVERIFY(client.request(7, u"refresh"_s));
        QTRY_VERIFY_WITH_TIMEOUT(entra.tokensIssued() >= 2, 10'000);
        // A push after the refresh, with the new token's status.
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 1500)
            client.next(300);
        // The diagnosis asks the fakes of this process: keep its event loop running meanwhile.
        client.send(8, u"diagnose"_s);
        std::optional<ControlMessage> diagnosis;
        QElapsedTimer waited;
        waited.start();
        while (!diagnosis && waited.elapsed() < 60'000) {
            QCoreApplication::processEvents();
            auto message = client.next(20);
            if (message && message->id == 8)
                diagnosis = message;
        }
        QVERIFY(diagnosis && !diagnosis->error);
        QCOMPARE(diagnosis->payload.value(u"steps"_s).toArray().size(), 5);

        QVERIFY(!client.received().isEmpty());
        QVERIFY(!client.received().contains(secret));
        QVERIFY(!client.received().contains(token));
        // Not even a part of it, when it is a JWT (header.payload.signature).
        for (const QByteArray &part : token.split('.')) {
            if (part.size() >= 16)
                QVERIFY(!client.received().contains(part));
        }
        stopService();
    }
};

int main(int argc, char *argv[])
{
    if (argc >= 4 && qstrcmp(argv[1], "--control-client") == 0) {
        QCoreApplication app(argc, argv);
        return runClientHelper(QCoreApplication::arguments());
    }
    QCoreApplication app(argc, argv);
    tst_ControlSocket test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_ControlSocket.moc"
