// The real service program against a fake IMDS and a fake target, and the real configurator status
// page connected to its control socket: ready with a countdown that runs down, a failing token
// source in plain words, and a reconnect after the service restarts. Screenshots of the three
// states go to build/test-artifacts/.
#include "ipc/ControlClient.h"
#include "support/FakeClock.h"
#include "support/FakeImds.h"
#include "support/FakeUpstream.h"
#include "ui/StatusPage.h"

#include <QDir>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <csignal>

using namespace Qt::StringLiterals;
using aap::configurator::StatusPage;
using aap::ipc::ControlClient;
using aap::test::FakeClock;
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

// "1 h 02 min 05 s", "4 min 10 s", "12 s" -> seconds; -1 when the text is not a countdown.
qint64 countdownSeconds(const QString &text)
{
    static const QRegularExpression pattern(u"^(?:(\\d+) h )?(?:(\\d+) min )?(\\d+) s$"_s);
    const auto match = pattern.match(text);
    if (!match.hasMatch())
        return -1;
    return match.captured(1).toLongLong() * 3600 + match.captured(2).toLongLong() * 60 +
           match.captured(3).toLongLong();
}

void saveArtifact(QWidget &widget, const QString &name)
{
    const QString dir = QStringLiteral(AAP_TEST_ARTIFACTS_DIR);
    QDir().mkpath(dir);
    QCoreApplication::processEvents();
    QVERIFY(widget.grab().toImage().save(dir + u"/"_s + name));
}

} // namespace

class tst_ConfiguratorStatus : public QObject {
    Q_OBJECT

private:
    FakeImds m_imds;
    FakeUpstream m_upstream;
    QProcess m_service;
    QTemporaryDir m_runtime;
    QString m_socket;

    void startService()
    {
        QProcessEnvironment env;
        env.insert(u"PATH"_s, qEnvironmentVariable("PATH"));
        env.insert(u"TARGET_HOST"_s, u"http://127.0.0.1:%1"_s.arg(m_upstream.port()));
        env.insert(u"IDENTITY_TYPE"_s, u"SystemAssigned"_s);
        env.insert(u"AUDIENCE"_s, u"https://monitor.azure.com"_s);
        env.insert(u"LISTENING_PORT"_s, QString::number(freePort()));
        env.insert(u"AZURE_POD_IDENTITY_AUTHORITY_HOST"_s, m_imds.authorityHost().toString());
        env.insert(u"WORKER_THREADS"_s, u"1"_s);
        env.insert(u"CONTROL_SOCKET"_s, m_socket);
        // No OTLP export to localhost:4317, a port this test did not start.
        env.insert(u"OTEL_SDK_DISABLED"_s, u"true"_s);
        m_service.setProcessEnvironment(env);
        m_service.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_service.start(QStringLiteral(AAP_SERVICE_BINARY), {u"--config"_s, u"/dev/null"_s});
        QVERIFY(m_service.waitForStarted(10'000));
    }

    void stopService()
    {
        if (m_service.state() == QProcess::NotRunning)
            return;
        ::kill(static_cast<pid_t>(m_service.processId()), SIGTERM);
        QVERIFY(m_service.waitForFinished(20'000));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_imds.isListening());
        QVERIFY(m_upstream.listen());
        QVERIFY(m_runtime.isValid());
        m_socket = m_runtime.filePath(u"control.sock"_s);
    }

    void cleanupTestCase()
    {
        if (m_service.state() != QProcess::NotRunning) {
            m_service.kill();
            m_service.waitForFinished(5'000);
        }
    }

    void statusFollowsTheService()
    {
        startService();
        ControlClient client;
        client.setServerName(m_socket);
        client.setReconnectDelays(std::chrono::milliseconds{50}, std::chrono::milliseconds{500});
        FakeClock clock{std::chrono::system_clock::now()};
        StatusPage page(client, &clock);
        page.resize(1000, 720);
        page.show();
        client.start();

        // Connected, ready, with a countdown to the token's expiry that runs down with the clock.
        QTRY_VERIFY_WITH_TIMEOUT(page.isConnected(), 15'000);
        QTRY_COMPARE_WITH_TIMEOUT(page.routeText(u"default"_s, u"ready"_s), u"ready"_s, 15'000);
        QVERIFY(page.routeText(u"default"_s, u"audience"_s).contains(u"monitor.azure.com"_s));
        QVERIFY(page.connectionText().startsWith(u"Connected"_s));
        const qint64 before = countdownSeconds(page.routeText(u"default"_s, u"expires"_s));
        QVERIFY2(before > 60, qPrintable(page.routeText(u"default"_s, u"expires"_s)));
        clock.advance(std::chrono::seconds{42});
        page.tick();
        const qint64 after = countdownSeconds(page.routeText(u"default"_s, u"expires"_s));
        QCOMPARE(after, before - 42);
        saveArtifact(page, u"status-connected-ready.png"_s);

        // The token source fails: the page says so in plain words, not as a JSON body.
        m_imds.injectFault(FakeTokenServer::Fault::withStatus(
                               400, R"({"error":"invalid_resource","error_description":"AADSTS500011"})"),
                           -1);
        page.refreshNow();
        QTRY_VERIFY_WITH_TIMEOUT(!page.lastErrorText().isEmpty(), 20'000);
        const QString error = page.lastErrorText();
        QVERIFY2(error.contains(u"Route 'default'"_s), qPrintable(error));
        QVERIFY2(!error.contains(u"{\""_s), qPrintable(error));
        saveArtifact(page, u"status-token-error.png"_s);
        m_imds.clearFaults();

        // The service goes away: the page says why; it comes back by itself after a restart.
        stopService();
        QTRY_VERIFY_WITH_TIMEOUT(!page.isConnected(), 10'000);
        QVERIFY2(page.connectionText().contains(u"not running"_s), qPrintable(page.connectionText()));
        saveArtifact(page, u"status-service-down.png"_s);

        startService();
        QTRY_VERIFY_WITH_TIMEOUT(page.isConnected(), 20'000);
        QTRY_COMPARE_WITH_TIMEOUT(page.routeText(u"default"_s, u"ready"_s), u"ready"_s, 15'000);
        stopService();
    }
};

QTEST_MAIN(tst_ConfiguratorStatus)
#include "tst_ConfiguratorStatus.moc"
