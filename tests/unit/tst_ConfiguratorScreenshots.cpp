#include "models/ConfigDocument.h"
#include "protocol/TestPki.h"
#include "support/FakeClock.h"
#include "ui/MainWindow.h"
#include "ui/ScopedPage.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using aap::configurator::ConfigDocument;
using aap::configurator::MainWindow;

namespace {

void writeFile(const QString &path, const QString &text)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(text.toUtf8());
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

QString artifactPath(const QString &name)
{
    const QString dir = QStringLiteral(AAP_TEST_ARTIFACTS_DIR);
    QDir().mkpath(dir);
    return dir + u"/"_s + name;
}

QString fileName(const QString &title)
{
    QString name = title.toLower();
    name.replace(u" & "_s, u"-"_s);
    name.replace(QLatin1Char(' '), QLatin1Char('-'));
    return u"configurator-"_s + name + u".png"_s;
}

} // namespace

// Writes a PNG of every page to build/test-artifacts/ for a person to look at: an app registration
// with a certificate, a second route with a mistake, and a value from the environment file.
class tst_ConfiguratorScreenshots : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyPage()
    {
        aap::test::TestPki pki;
        QVERIFY(pki.isValid());
        const QString pfx = pki.filePath(u"proxy-app.pfx"_s);
        QVERIFY(pki.issueClient(u"CN=proxy-app,O=Contoso"_s).writePfx(pfx, u"secret-pass"_s));

        QTemporaryDir dir;
        const QString path = dir.filePath(u"aad-auth-proxy.conf"_s);
        const QString environment = dir.filePath(u"environment"_s);
        writeFile(path, u"# ingestion of Prometheus metrics\n"
                        "[route]\n"
                        "target_host = https://dce-1.westeurope-1.metrics.ingest.monitor.azure.com\n"
                        "audience = https://monitor.azure.com\n"
                        "[route \"query\"]\n"
                        "path_prefix = /api/v1/query\n"
                        "target_host = https://workspace.westeurope.prometheus.monitor.azure.com\n"
                        "audience = not a url\n"
                        "[identity]\n"
                        "type = aadApplication\n"
                        "tenant_id = 72f988bf-86f1-41af-91ab-2d7cd011db47\n"
                        "client_id = 0d3f3c55-8e5c-4e8a-9b7c-2a1b1c7e9f01\n"
                        "certificate_path = "_s +
                            pfx +
                            u"\n"
                            "[telemetry]\n"
                            "prometheus_metrics = true\n"_s);
        writeFile(environment, u"LISTENING_PORT=8081\nAZURE_CLIENT_CERTIFICATE_PASSWORD=secret-pass\n"_s);

        aap::test::FakeClock clock{std::chrono::system_clock::now()};
        ConfigDocument document;
        document.setEnvironment(environment, {});
        MainWindow window(document, &clock);
        QVERIFY(window.openFile(path));
        window.resize(1100, 780);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        for (const QString &title : window.pageTitles()) {
            window.showPage(title);
            if (title == u"Routes")
                window.routesPage()->select(u"query"_s);
            QCoreApplication::processEvents();
            const QImage shot = window.grab().toImage();
            QVERIFY(!shot.isNull());
            QVERIFY(shot.save(artifactPath(fileName(title))));
        }
        // A narrow window must still be usable: pages scroll instead of clipping.
        window.resize(760, 560);
        window.showPage(u"Identity"_s);
        QCoreApplication::processEvents();
        QVERIFY(window.grab().toImage().save(artifactPath(u"configurator-identity-narrow.png"_s)));
    }
};

QTEST_MAIN(tst_ConfiguratorScreenshots)
#include "tst_ConfiguratorScreenshots.moc"
