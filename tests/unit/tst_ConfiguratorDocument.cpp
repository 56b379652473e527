#include "models/ConfigDocument.h"
#include "models/SettingsModel.h"
#include "ui/MainWindow.h"

#include <QFile>
#include <QListWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using aap::configurator::ConfigDocument;
using aap::configurator::MainWindow;
using aap::configurator::SettingsModel;

namespace {

QString readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

void writeFile(const QString &path, const QString &text)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(text.toUtf8());
}

const QString kOriginal = u"# proxy for the ingestion endpoint\n"
                          "[listener]\n"
                          "port = 9090   \n"
                          "future_option = keep me\n"
                          "\n"
                          "; the target\n"
                          "[route]\n"
                          "target_host = https://example.ingest.monitor.azure.com\n"
                          "audience = https://monitor.azure.com/.default\n"
                          "\n"
                          "[identity]\n"
                          "type = systemassigned\n"_s;

} // namespace

class tst_ConfiguratorDocument : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void editKeepsCommentsAndUnknownKeys()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"proxy.conf"_s);
        writeFile(path, kOriginal);

        ConfigDocument document;
        QVERIFY(document.open(path));
        SettingsModel model(document);
        const int portRow = model.rowOf(u"listener.port"_s);
        QVERIFY(portRow >= 0);
        QCOMPARE(model.index(portRow, SettingsModel::ValueColumn).data().toString(), u"9090"_s);
        QCOMPARE(model.index(portRow, SettingsModel::SourceColumn).data().toString(), path + u":3"_s);

        QVERIFY(model.setData(model.index(portRow, SettingsModel::ValueColumn), u"9191"_s, Qt::EditRole));
        QVERIFY(document.isModified());
        QVERIFY(document.save());
        QVERIFY(!document.isModified());

        QString expected = kOriginal;
        expected.replace(u"port = 9090   "_s, u"port = 9191"_s);
        QCOMPARE(readFile(path), expected);
    }

    void newScopedValueGoesIntoItsSection()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"proxy.conf"_s);
        writeFile(path, kOriginal);
        ConfigDocument document;
        QVERIFY(document.open(path));
        SettingsModel model(document);
        const int row = model.rowOf(u"identity.default.client_id"_s);
        QVERIFY(row >= 0);
        QVERIFY(model.setData(model.index(row, SettingsModel::ValueColumn),
                              u"00000000-0000-0000-0000-000000000001"_s, Qt::EditRole));
        QVERIFY(document.save());

        ConfigDocument reopened;
        QVERIFY(reopened.open(path));
        QCOMPARE(reopened.loaded().config.identities.first().clientId,
                 u"00000000-0000-0000-0000-000000000001"_s);
        QVERIFY(readFile(path).startsWith(u"# proxy for the ingestion endpoint\n"_s));
    }

    void validationUsesTheServicesRules()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"proxy.conf"_s);
        writeFile(path, kOriginal);
        ConfigDocument document;
        QVERIFY(document.open(path));
        QVERIFY(!document.loaded().hasErrors());

        SettingsModel model(document);
        const int portRow = model.rowOf(u"listener.port"_s);
        QVERIFY(model.setData(model.index(portRow, SettingsModel::ValueColumn), u"70000"_s, Qt::EditRole));
        QVERIFY(document.loaded().hasErrors());
        bool namesPort = false;
        for (const auto &issue : document.loaded().issues)
            namesPort = namesPort ||
                        (issue.isError() && issue.setting == u"listener.port"_s && issue.origin.name == path);
        QVERIFY2(namesPort, "the port error must name the setting and the user's file");
    }

    void secretsAreNeverShownAndEmptyEditKeepsThem()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"proxy.conf"_s);
        const QString marker = u"marker-secret-7f3a"_s;
        writeFile(path, kOriginal + u"client_secret = "_s + marker + u"\n"_s);
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);

        ConfigDocument document;
        QVERIFY(document.open(path));
        SettingsModel model(document);
        const int row = model.rowOf(u"identity.default.client_secret"_s);
        QVERIFY(row >= 0);
        for (int column = 0; column < SettingsModel::ColumnCount; ++column) {
            for (int role : {int(Qt::DisplayRole), int(Qt::EditRole), int(Qt::ToolTipRole)})
                QVERIFY(!model.index(row, column).data(role).toString().contains(marker));
        }
        QVERIFY(!model.setData(model.index(row, SettingsModel::ValueColumn), QString(), Qt::EditRole));
        QVERIFY(!document.isModified());
        QVERIFY(document.text().contains(marker));
    }

    void windowShowsSettingsAndIssues()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"proxy.conf"_s);
        writeFile(path, u"[listener]\nport = 0\n"_s);
        ConfigDocument document;
        MainWindow window(document);
        QVERIFY(window.openFile(path));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.settingsView()->model()->rowCount() > 20);
        QVERIFY(window.issuesView()->count() >= 1);
        QVERIFY(window.windowTitle().contains(path));
        const QImage shot = window.grab().toImage();
        QVERIFY(!shot.isNull());
        const QString screenshot = qEnvironmentVariable("AAP_SCREENSHOT_DIR");
        if (!screenshot.isEmpty())
            QVERIFY(shot.save(screenshot + u"/configurator.png"_s));
    }
};

QTEST_MAIN(tst_ConfiguratorDocument)
#include "tst_ConfiguratorDocument.moc"
