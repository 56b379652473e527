// The real aad-auth-proxy program, started with the original's environment variables, against a
// strict fake IMDS and a fake upstream: readiness, forwarding with the fetched token, recovery from
// a failing token source, a clean SIGTERM, and logfmt log lines that never carry the token.
#include "protocol/FakeImds.h"
#include "support/FakeUpstream.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using aap::test::FakeImds;
using aap::test::FakeTokenServer;
using aap::test::FakeUpstream;

namespace {

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

struct Reply {
    int status = 0;
    QByteArray body;
};

Reply get(quint16 port, const QString &path)
{
    QNetworkAccessManager manager;
    QNetworkRequest request(QUrl(u"http://127.0.0.1:%1%2"_s.arg(port).arg(path)));
    request.setTransferTimeout(10'000);
    QNetworkReply *reply = manager.get(request);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    finished.wait(15'000);
    Reply result{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
    reply->deleteLater();
    return result;
}

} // namespace

class tst_ServiceEndToEnd : public QObject {
    Q_OBJECT

private:
    FakeImds m_imds;
    FakeUpstream m_upstream;
    QProcess m_service;
    quint16 m_port = 0;

    // Extra environment on top of the test's own; stderr is captured (else forwarded) when asked.
    void startService(const QList<std::pair<QString, QString>> &extraEnvironment = {},
                      bool captureStderr = false)
    {
        m_port = freePort();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &name : env.keys()) {
            if (name.startsWith(u"AZURE_"_s) || name.startsWith(u"AAD_"_s) ||
                name.startsWith(u"IDENTITY_"_s) || name == u"IMDS_ENDPOINT"_s || name == u"MSI_ENDPOINT"_s)
                env.remove(name);
        }
        env.insert(u"TARGET_HOST"_s, u"http://127.0.0.1:%1"_s.arg(m_upstream.port()));
        env.insert(u"IDENTITY_TYPE"_s, u"SystemAssigned"_s);
        env.insert(u"AUDIENCE"_s, u"https://monitor.azure.com/.default"_s);
        env.insert(u"LISTENING_PORT"_s, QString::number(m_port));
        env.insert(u"AZURE_POD_IDENTITY_AUTHORITY_HOST"_s, m_imds.authorityHost().toString());
        env.insert(u"WORKER_THREADS"_s, u"2"_s);
        env.insert(u"AAD_AUTH_PROXY_CONFIG"_s, QString());
        for (const auto &[name, value] : extraEnvironment)
            env.insert(name, value);
        m_service.setProcessEnvironment(env);
        m_service.setProcessChannelMode(captureStderr ? QProcess::SeparateChannels
                                                      : QProcess::ForwardedErrorChannel);
        m_service.start(QStringLiteral(AAP_SERVICE_BINARY), {u"--config"_s, u"/dev/null"_s});
        QVERIFY(m_service.waitForStarted(10'000));
        QTRY_COMPARE_WITH_TIMEOUT(get(m_port, u"/health"_s).status, 200, 15'000);
    }

    void stopService()
    {
        if (m_service.state() == QProcess::NotRunning)
            return;
        ::kill(static_cast<pid_t>(m_service.processId()), SIGTERM);
        QVERIFY(m_service.waitForFinished(20'000));
        QCOMPARE(m_service.exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_service.exitCode(), 0);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_imds.isListening());
        QVERIFY(m_upstream.listen());
        m_upstream.setHandler([](const FakeUpstream::Request &) {
            FakeUpstream::Response response;
            response.body = "written";
            return response;
        });
    }

    void cleanup()
    {
        if (m_service.state() != QProcess::NotRunning) {
            m_service.kill();
            m_service.waitForFinished(5'000);
        }
        m_imds.clearFaults();
    }

    void forwardsWithTheManagedIdentityToken()
    {
        startService();
        QTRY_COMPARE_WITH_TIMEOUT(get(m_port, u"/ready"_s).status, 200, 20'000);
        QCOMPARE(m_imds.lastRequest().header("Metadata"), QByteArray("true"));
        QCOMPARE(m_imds.lastRequest().queryValue(u"resource"_s), u"https://monitor.azure.com"_s);

        const int before = static_cast<int>(m_upstream.requests().size());
        const Reply reply = get(m_port, u"/api/v1/write?x=1%2F2"_s);
        QCOMPARE(reply.status, 200);
        QCOMPARE(reply.body, QByteArray("written"));
        QCOMPARE(m_upstream.requests().size(), before + 1);
        const auto &forwarded = m_upstream.requests().last();
        QCOMPARE(forwarded.target, QByteArray("/api/v1/write?x=1%2F2"));
        const QByteArray expected = "Bearer " + m_imds.lastIssuedToken();
        QVERIFY2(forwarded.header("Authorization").value_or(QByteArray()) == expected,
                 "the upstream must see the token IMDS issued");
        stopService();
    }

    void notReadyWithReasonWhileTokenSourceFailsThenRecovers()
    {
        m_imds.injectFault(
            FakeTokenServer::Fault::withStatus(500, R"({"error":"unknown","error_description":"boom"})"), -1);
        startService();
        QTRY_VERIFY_WITH_TIMEOUT(m_imds.requestCount() > 0, 15'000);
        const Reply ready = get(m_port, u"/ready"_s);
        QCOMPARE(ready.status, 503);
        QVERIFY2(ready.body.contains("not_ready"), ready.body.constData());
        // The reason names the token source's last error, so an operator can act on it.
        QVERIFY2(ready.body.contains("500") && ready.body.contains("unknown"), ready.body.constData());
        const Reply forwarded = get(m_port, u"/"_s);
        QCOMPARE(forwarded.status, 503);
        QVERIFY(forwarded.body.contains("no_token"));

        m_imds.clearFaults();
        // Without a token the retry interval is capped at about 10 s.
        QTRY_COMPARE_WITH_TIMEOUT(get(m_port, u"/ready"_s).status, 200, 20'000);
        QCOMPARE(get(m_port, u"/"_s).status, 200);
        stopService();
    }

    // Every line the service writes, debug included, is one logfmt event, and none carries the token.
    void logLinesAreLogfmtWithoutTheToken()
    {
        // A failure whose description spans two lines, so escaping and quoting are exercised too.
        m_imds.injectFault(
            FakeTokenServer::Fault::withStatus(
                500, "{\"error\":\"unknown\",\"error_description\":\"boom \\\"x\\\"\\nline two\"}"),
            1);
        startService({{u"LOG_LEVEL"_s, u"debug"_s}}, true);
        QTRY_COMPARE_WITH_TIMEOUT(get(m_port, u"/ready"_s).status, 200, 20'000);
        QCOMPARE(get(m_port, u"/api/v1/write"_s).status, 200);
        stopService();
        const QByteArray token = m_imds.lastIssuedToken();
        QVERIFY(!token.isEmpty());

        const QByteArray err = m_service.readAllStandardError();
        QVERIFY2(!err.contains(token), "the access token reached the log");
        QVERIFY(err.endsWith('\n'));
        // time, level, category, then only key=value fields (quoted values with \" and \\ escapes).
        static const QRegularExpression logfmt(
            u"^time=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z level=(debug|info|warning|error) "
            u"cat=aap\\.\\S+"
            u"( [A-Za-z_][A-Za-z0-9_.]*=(\"([^\"\\\\]|\\\\.)*\"|[^\\s\"=\\\\]+))*$"_s);
        QVERIFY(logfmt.isValid());
        const QStringList lines = QString::fromUtf8(err.chopped(1)).split(u'\n');
        for (const QString &line : lines)
            QVERIFY2(logfmt.match(line).hasMatch(), qPrintable(u"not a logfmt line: "_s + line));
        // The check saw the events that matter: debug output, the failure, the token, the shutdown.
        const auto count = [&](const QString &text) { return lines.filter(text).size(); };
        QVERIFY(count(u" level=debug "_s) > 0);
        QVERIFY(count(u"msg=\"token refresh failed\""_s) == 1);
        QVERIFY(count(u"msg=\"token acquired\""_s) == 1);
        QVERIFY(count(u"msg=\"service started\""_s) == 1);
        QVERIFY(count(u"msg=\"service stopped\""_s) == 1);
    }

    void refusesToStartOnAPortInUse()
    {
        QTcpServer occupant;
        QVERIFY(occupant.listen(QHostAddress::LocalHost, 0));
        QProcess service;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"TARGET_HOST"_s, u"http://127.0.0.1:%1"_s.arg(m_upstream.port()));
        env.insert(u"IDENTITY_TYPE"_s, u"systemassigned"_s);
        env.insert(u"AUDIENCE"_s, u"https://monitor.azure.com"_s);
        env.insert(u"LISTENING_PORT"_s, QString::number(occupant.serverPort()));
        env.insert(u"AZURE_POD_IDENTITY_AUTHORITY_HOST"_s, m_imds.authorityHost().toString());
        service.setProcessEnvironment(env);
        service.start(QStringLiteral(AAP_SERVICE_BINARY), {u"--config"_s, u"/dev/null"_s});
        QVERIFY(service.waitForFinished(15'000));
        QCOMPARE(service.exitCode(), 1);
        QVERIFY(service.readAllStandardError().contains("start failed"));
    }
};

QTEST_GUILESS_MAIN(tst_ServiceEndToEnd)
#include "tst_ServiceEndToEnd.moc"
