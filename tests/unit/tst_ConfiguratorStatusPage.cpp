// The status page and Apply against a scripted control socket (tests/support/FakeControlService):
// ready routes with a countdown driven by a fake clock, a token error in plain words, the service
// going away and coming back, the diagnosis steps, and Apply sending the file without its secrets.
// Screenshots of each state go to build/test-artifacts/.
#include "ipc/ControlClient.h"
#include "models/ConfigDocument.h"
#include "support/FakeClock.h"
#include "support/FakeControlService.h"
#include "ui/MainWindow.h"
#include "ui/StatusPage.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace Qt::StringLiterals;
using aap::configurator::ConfigDocument;
using aap::configurator::MainWindow;
using aap::configurator::StatusPage;
using aap::ipc::ControlClient;
using aap::test::FakeClock;
using aap::test::FakeControlService;

namespace {

QString iso(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODate);
}

QJsonObject route(const QDateTime &now, bool ok)
{
    QJsonObject lastResult{{u"ok"_s, ok}, {u"at"_s, iso(now.addSecs(-5))}};
    if (!ok) {
        lastResult.insert(u"kind"_s, u"http"_s);
        lastResult.insert(u"http_status"_s, 400);
        lastResult.insert(u"code"_s, u"invalid_resource"_s);
        lastResult.insert(u"text"_s, u"the managed identity endpoint does not know the audience"_s);
    }
    return {{u"name"_s, u"default"_s},
            {u"path_prefix"_s, u"/"_s},
            {u"target"_s, u"https://dce-1.westeurope-1.metrics.ingest.monitor.azure.com"_s},
            {u"audience"_s, u"https://monitor.azure.com"_s},
            {u"identity"_s, QJsonObject{{u"name"_s, u"default"_s},
                                        {u"kind"_s, u"userassigned"_s},
                                        {u"client_id"_s, u"0d3f3c55-8e5c-4e8a-9b7c-2a1b1c7e9f01"_s},
                                        {u"source"_s, u"imds"_s}}},
            {u"ready"_s, ok},
            {u"readiness"_s, ok ? QString() : u"no token"_s},
            {u"token"_s, QJsonObject{{u"state"_s, ok ? u"valid"_s : u"failing"_s},
                                     {u"expires_on"_s, iso(now.addSecs(ok ? 3599 : -30))},
                                     {u"next_refresh"_s, iso(now.addSecs(ok ? 3239 : 10))}}},
            {u"last_result"_s, lastResult}};
}

QJsonObject status(const QDateTime &now, bool ok)
{
    QJsonArray history;
    for (int i = 0; i < 60; ++i)
        history.append(QJsonObject{{u"at"_s, iso(now.addSecs(i - 60))},
                                   {u"requests"_s, 20 + (i * 7) % 13},
                                   {u"errors"_s, ok ? 0 : (i > 40 ? 3 : 0)}});
    QJsonArray events{QJsonObject{{u"at"_s, iso(now.addSecs(-3600))},
                                  {u"identity"_s, u"default"_s},
                                  {u"event"_s, u"obtained"_s},
                                  {u"text"_s, u"token obtained, valid for 60 min"_s}}};
    if (!ok)
        events.append(
            QJsonObject{{u"at"_s, iso(now.addSecs(-5))},
                        {u"identity"_s, u"default"_s},
                        {u"event"_s, u"failed"_s},
                        {u"text"_s, u"the managed identity endpoint does not know the audience"_s}});
    return {{u"service"_s, QJsonObject{{u"version"_s, u"0.1.0"_s}, {u"pid"_s, 4242}, {u"uptime_s"_s, 3600}}},
            {u"listener"_s,
             QJsonObject{{u"state"_s, u"listening"_s}, {u"address"_s, u"127.0.0.1"_s}, {u"port"_s, 8081}}},
            {u"counters"_s, QJsonObject{{u"requests"_s, 1200},
                                        {u"errors"_s, ok ? 0 : 60},
                                        {u"request_rate"_s, 24.5},
                                        {u"error_rate"_s, ok ? 0.0 : 3.0},
                                        {u"history"_s, history}}},
            {u"routes"_s, QJsonArray{route(now, ok)}},
            {u"events"_s, events}};
}

void saveArtifact(QWidget &widget, const QString &name)
{
    const QString dir = QStringLiteral(AAP_TEST_ARTIFACTS_DIR);
    QDir().mkpath(dir);
    QCoreApplication::processEvents();
    QVERIFY(widget.grab().toImage().save(dir + u"/"_s + name));
}

QDateTime toDateTime(const aap::Clock &clock)
{
    return QDateTime::fromSecsSinceEpoch(
        std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count(), Qt::UTC);
}

} // namespace

class tst_ConfiguratorStatusPage : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_socket;

private Q_SLOTS:
    void initTestCase() { m_socket = m_dir.filePath(u"control.sock"_s); }

    void statusConnectedErrorDownAndBack()
    {
        FakeClock clock{std::chrono::system_clock::now()};
        const QDateTime now = toDateTime(clock);
        FakeControlService service;
        service.setStatus(status(now, true));
        QVERIFY(service.listen(m_socket));

        ControlClient client;
        client.setServerName(m_socket);
        client.setReconnectDelays(std::chrono::milliseconds{20}, std::chrono::milliseconds{200});
        StatusPage page(client, &clock);
        page.resize(1000, 700);
        page.show();
        client.start();

        QTRY_VERIFY(page.isConnected());
        QTRY_COMPARE(page.routeText(u"default"_s, u"ready"_s), u"ready"_s);
        QVERIFY(page.connectionText().startsWith(u"Connected to aad-auth-proxy 0.1.0"_s));
        QVERIFY(page.routeText(u"default"_s, u"identity"_s).contains(u"0d3f3c55"_s));
        QCOMPARE(page.routeText(u"default"_s, u"audience"_s), u"https://monitor.azure.com"_s);
        QCOMPARE(page.routeText(u"default"_s, u"expires"_s), u"59 min 59 s"_s);
        clock.advance(std::chrono::seconds{75});
        page.tick();
        QCOMPARE(page.routeText(u"default"_s, u"expires"_s), u"58 min 44 s"_s);
        QVERIFY(page.routeText(u"default"_s, u"next refresh"_s).contains(u"(in 52 min 44 s)"_s));
        QVERIFY(page.lastErrorText().isEmpty());
        saveArtifact(page, u"status-connected-ready.png"_s);

        // A push with a failing token source: the error in plain words, with its code.
        service.setStatus(status(toDateTime(clock), false));
        QTRY_COMPARE(service.subscriberCount(), 1);
        service.pushStatus();
        QTRY_COMPARE(page.routeText(u"default"_s, u"ready"_s), u"not ready"_s);
        QVERIFY(page.lastErrorText().contains(
            u"Route 'default': the managed identity endpoint does not know the audience (invalid_resource, HTTP 400)"_s));
        QVERIFY(page.routeText(u"default"_s, u"expires"_s).startsWith(u"expired"_s));
        QCOMPARE(page.eventsView()->topLevelItem(0)->text(2), u"failed"_s);
        saveArtifact(page, u"status-token-error.png"_s);

        // Refresh now and diagnose go to the service.
        service.setDiagnosis(QJsonObject{
            {u"passed"_s, false},
            {u"steps"_s,
             QJsonArray{
                 QJsonObject{{u"step"_s, u"config"_s},
                             {u"title"_s, u"configuration"_s},
                             {u"verdict"_s, u"pass"_s},
                             {u"text"_s, u"valid"_s}},
                 QJsonObject{{u"step"_s, u"identity"_s},
                             {u"title"_s, u"identity source"_s},
                             {u"verdict"_s, u"pass"_s},
                             {u"text"_s, u"IMDS answers"_s}},
                 QJsonObject{{u"step"_s, u"token"_s},
                             {u"title"_s, u"token"_s},
                             {u"verdict"_s, u"fail"_s},
                             {u"text"_s, u"IMDS refused the audience"_s},
                             {u"details"_s,
                              QJsonArray{u"check AUDIENCE: https://monitor.azure.com for ingestion"_s}}},
                 QJsonObject{{u"step"_s, u"target"_s},
                             {u"title"_s, u"target"_s},
                             {u"verdict"_s, u"skip"_s},
                             {u"text"_s, u"not run"_s}}}}});
        page.refreshNow();
        QTRY_COMPARE(service.refreshCount(), 1);
        QSignalSpy shown(&page, &StatusPage::diagnosisShown);
        page.diagnose();
        QTRY_COMPARE(shown.count(), 1);
        QCOMPARE(page.diagnosisView()->topLevelItemCount(), 4);
        QVERIFY(page.diagnosisView()->topLevelItem(2)->text(1).startsWith(u"fail: IMDS refused"_s));
        QCOMPARE(page.diagnosisView()->topLevelItem(2)->childCount(), 1);
        saveArtifact(page, u"status-diagnosis.png"_s);

        // The service goes away: the page says why, and comes back by itself.
        service.close();
        QTRY_VERIFY(!page.isConnected());
        QTRY_VERIFY2(page.connectionText().contains(u"not running"_s), qPrintable(page.connectionText()));
        QCOMPARE(page.routeText(u"default"_s, u"ready"_s), QString());
        saveArtifact(page, u"status-service-down.png"_s);

        service.setStatus(status(toDateTime(clock), true));
        QVERIFY(service.listen(m_socket));
        QTRY_VERIFY_WITH_TIMEOUT(page.isConnected(), 10'000);
        QTRY_COMPARE(page.routeText(u"default"_s, u"ready"_s), u"ready"_s);
        QTRY_COMPARE(service.subscriberCount(), 1);
    }

    void readOnlyUsersAreToldWhichGroupToJoin()
    {
        FakeClock clock;
        FakeControlService service;
        service.setCanWrite(false);
        service.setStatus(status(toDateTime(clock), true));
        QVERIFY(service.listen(m_socket));
        ControlClient client;
        client.setServerName(m_socket);
        StatusPage page(client, &clock);
        client.start();
        QTRY_VERIFY(page.isConnected());
        QVERIFY(page.connectionText().contains(u"aad-auth-proxy-admin"_s));
    }

    void applySendsTheFileWithoutSecrets()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"proxy.conf"_s);
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("# comment\n[route]\ntarget_host = https://x.example.com\naudience = "
                       "https://monitor.azure.com\n"
                       "[identity]\ntype = aadApplication\ntenant_id = t\nclient_id = c\nclient_secret = "
                       "s3cr3t-marker\n");
            file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        }
        FakeClock clock;
        FakeControlService service;
        service.setStatus(status(toDateTime(clock), true));
        service.setApplyAnswer(
            QJsonObject{{u"applied"_s, true},
                        {u"backup"_s, QString(path + u".bak"_s)},
                        {u"reload"_s, QJsonObject{{u"ok"_s, true}, {u"message"_s, u"reloaded"_s}}}});
        QVERIFY(service.listen(m_socket));
        ControlClient client;
        client.setServerName(m_socket);
        ConfigDocument document;
        MainWindow window(document, &clock);
        QVERIFY(window.openFile(path));
        window.setControlClient(&client);
        QVERIFY(window.pageTitles().contains(u"Status"_s));
        client.start();
        QTRY_VERIFY(window.statusPage()->isConnected());
        window.apply();
        QTRY_COMPARE(service.appliedTexts().size(), 1);
        const QString sent = service.appliedTexts().first();
        QVERIFY(sent.startsWith(u"# comment\n"_s));
        QVERIFY(sent.contains(u"client_secret = <redacted>"_s));
        QVERIFY(!sent.contains(u"s3cr3t-marker"_s));
    }

    void statusPageScreenshotInTheWindow()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"proxy.conf"_s);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("[route]\ntarget_host = https://x.example.com\naudience = https://monitor.azure.com\n");
        file.close();
        FakeClock clock{std::chrono::system_clock::now()};
        FakeControlService service;
        service.setStatus(status(toDateTime(clock), true));
        QVERIFY(service.listen(m_socket));
        ControlClient client;
        client.setServerName(m_socket);
        ConfigDocument document;
        MainWindow window(document, &clock);
        QVERIFY(window.openFile(path));
        window.setControlClient(&client);
        client.start();
        window.resize(1100, 780);
        window.show();
        window.showPage(u"Status"_s);
        QTRY_COMPARE(window.statusPage()->routeText(u"default"_s, u"ready"_s), u"ready"_s);
        saveArtifact(window, u"configurator-status.png"_s);
    }
};

QTEST_MAIN(tst_ConfiguratorStatusPage)
#include "tst_ConfiguratorStatusPage.moc"
