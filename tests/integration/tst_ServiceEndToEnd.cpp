// The real aad-auth-proxy program, started with the original's environment variables, against a
// strict fake IMDS and a fake upstream: readiness, forwarding with the fetched token, recovery from
// a failing token source, a clean SIGTERM, and logfmt log lines that never carry the token.
#include "protocol/FakeImds.h"
#include "support/FakeUpstream.h"
#include "support/process/ServiceProcess.h"

#include <QRegularExpression>
#include <QTcpServer>
#include <QTest>

using namespace Qt::StringLiterals;
using aap::test::FakeImds;
using aap::test::FakeTokenServer;
using aap::test::FakeUpstream;
using aap::test::ServiceProcess;
using Reply = ServiceProcess::Reply;

class tst_ServiceEndToEnd : public QObject {
    Q_OBJECT

private:
    FakeImds m_imds;
    FakeUpstream m_upstream;
    ServiceProcess m_service;

    // The original's variables for a system-assigned identity against the fakes, plus
    // extraEnvironment; stderr is captured (else forwarded) when asked.
    void startService(const QList<std::pair<QString, QString>> &extraEnvironment = {},
                      bool captureStderr = false)
    {
        m_service.reset();
        m_service.setEnv(u"TARGET_HOST"_s, u"http://127.0.0.1:%1"_s.arg(m_upstream.port()));
        m_service.setEnv(u"IDENTITY_TYPE"_s, u"SystemAssigned"_s);
        m_service.setEnv(u"AUDIENCE"_s, u"https://monitor.azure.com/.default"_s);
        m_service.setEnv(u"AZURE_POD_IDENTITY_AUTHORITY_HOST"_s, m_imds.authorityHost().toString());
        m_service.setEnv(u"WORKER_THREADS"_s, u"2"_s);
        for (const auto &[name, value] : extraEnvironment)
            m_service.setEnv(name, value);
        QVERIFY(m_service.start(captureStderr ? ServiceProcess::Stderr::Captured
                                              : ServiceProcess::Stderr::Forwarded));
        QVERIFY(m_service.waitForPort());
    }

    void stopService()
    {
        if (m_service.process().state() == QProcess::NotRunning)
            return;
        QVERIFY(m_service.stop());
        QCOMPARE(m_service.process().exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_service.process().exitCode(), 0);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_imds.isListening());
        QVERIFY(m_upstream.listen());
        m_upstream.answerEveryRequest({.body = "written"});
    }

    void cleanup()
    {
        m_service.kill();
        m_imds.clearFaults();
    }

    void forwardsWithTheManagedIdentityToken()
    {
        startService();
        QTRY_COMPARE_WITH_TIMEOUT(m_service.get(u"/ready"_s).status, 200, 20'000);
        QCOMPARE(m_imds.lastRequest().header("Metadata"), QByteArray("true"));
        QCOMPARE(m_imds.lastRequest().queryValue(u"resource"_s), u"https://monitor.azure.com"_s);

        const int before = static_cast<int>(m_upstream.requests().size());
        const Reply reply = m_service.get(u"/api/v1/write?x=1%2F2"_s);
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
        // IMDS counts the request before its answer reaches the service, which says "acquiring"
        // until then: wait for the failure itself.
        Reply ready;
        QTRY_VERIFY_WITH_TIMEOUT((ready = m_service.get(u"/ready"_s)).body.contains("500"), 15'000);
        QCOMPARE(ready.status, 503);
        QVERIFY2(ready.body.contains("not_ready"), ready.body.constData());
        // The reason names the token source's last error, so an operator can act on it.
        QVERIFY2(ready.body.contains("500") && ready.body.contains("unknown"), ready.body.constData());
        const Reply forwarded = m_service.get(u"/"_s);
        QCOMPARE(forwarded.status, 503);
        QVERIFY(forwarded.body.contains("no_token"));

        m_imds.clearFaults();
        // Without a token the retry interval is capped at about 10 s.
        QTRY_COMPARE_WITH_TIMEOUT(m_service.get(u"/ready"_s).status, 200, 20'000);
        QCOMPARE(m_service.get(u"/"_s).status, 200);
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
        QTRY_COMPARE_WITH_TIMEOUT(m_service.get(u"/ready"_s).status, 200, 20'000);
        QCOMPARE(m_service.get(u"/api/v1/write"_s).status, 200);
        stopService();
        const QByteArray token = m_imds.lastIssuedToken();
        QVERIFY(!token.isEmpty());

        const QByteArray err = m_service.process().readAllStandardError();
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
        ServiceProcess service;
        service.setEnv(u"TARGET_HOST"_s, u"http://127.0.0.1:%1"_s.arg(m_upstream.port()));
        service.setEnv(u"IDENTITY_TYPE"_s, u"systemassigned"_s);
        service.setEnv(u"AUDIENCE"_s, u"https://monitor.azure.com"_s);
        service.setEnv(u"LISTENING_PORT"_s, QString::number(occupant.serverPort()));
        service.setEnv(u"AZURE_POD_IDENTITY_AUTHORITY_HOST"_s, m_imds.authorityHost().toString());
        QVERIFY(service.start(ServiceProcess::Stderr::Captured));
        QVERIFY(service.process().waitForFinished(15'000));
        QCOMPARE(service.process().exitCode(), 1);
        QVERIFY(service.process().readAllStandardError().contains("start failed"));
    }
};

QTEST_GUILESS_MAIN(tst_ServiceEndToEnd)
#include "tst_ServiceEndToEnd.moc"
