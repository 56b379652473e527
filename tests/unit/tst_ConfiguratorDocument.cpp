#include "models/ConfigDocument.h"
#include "models/EnvironmentFile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using aap::config::SettingCatalog;
using aap::config::SettingScope;
using aap::configurator::ConfigDocument;
using aap::configurator::EnvironmentFile;

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

const aap::config::SettingDescriptor &setting(const QString &section, const QString &key)
{
    const auto *found = SettingCatalog::find(section, key);
    Q_ASSERT(found);
    return *found;
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
    void saveRoundTripKeepsCommentsAndUnknownKeys()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"proxy.conf"_s);
        writeFile(path, kOriginal);

        ConfigDocument document;
        QVERIFY(document.open(path));
        QCOMPARE(document.fileValue(setting(u"listener"_s, u"port"_s), {}), u"9090"_s);
        QCOMPARE(document.sourceText(u"listener.port"_s), u"this file, line 3"_s);

        document.setValue(setting(u"listener"_s, u"port"_s), {}, u"9191"_s);
        QVERIFY(document.isModified());
        QVERIFY(document.save());
        QVERIFY(!document.isModified());

        QString expected = kOriginal;
        expected.replace(u"port = 9090   "_s, u"port = 9191"_s);
        QCOMPARE(readFile(path), expected);
        // Saving writes a new file and renames it: no temporary file is left behind.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{u"proxy.conf"_s});
    }

    void newScopedValueGoesIntoItsSection()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"proxy.conf"_s);
        writeFile(path, kOriginal);
        ConfigDocument document;
        QVERIFY(document.open(path));
        document.setValue(setting(u"identity"_s, u"client_id"_s), u"default"_s,
                          u"00000000-0000-0000-0000-000000000001"_s);
        QVERIFY(document.save());

        ConfigDocument reopened;
        QVERIFY(reopened.open(path));
        QCOMPARE(reopened.loaded().config.identities.first().clientId,
                 u"00000000-0000-0000-0000-000000000001"_s);
        QVERIFY(readFile(path).startsWith(u"# proxy for the ingestion endpoint\n"_s));
    }

    void routesAreAddedAndRemoved()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"proxy.conf"_s);
        writeFile(path, kOriginal);
        ConfigDocument document;
        QVERIFY(document.open(path));
        QVERIFY(document.addScope(SettingScope::Route, u"query"_s));
        QVERIFY(!document.addScope(SettingScope::Route, u"query"_s));
        QVERIFY(!document.addScope(SettingScope::Route, u"bad name"_s));
        QCOMPARE(document.scopeNames(SettingScope::Route), (QStringList{u"default"_s, u"query"_s}));
        // The new route lacks a target and an audience: the validator says so at its settings.
        QVERIFY(!document.issuesFor(u"route.query.target_host"_s).isEmpty());
        QVERIFY(!document.issuesFor(u"route.query.audience"_s).isEmpty());

        QVERIFY(document.removeScope(SettingScope::Route, u"query"_s));
        QCOMPARE(document.scopeNames(SettingScope::Route), QStringList{u"default"_s});
        QCOMPARE(document.text(), kOriginal + u"\n"_s);
    }

    void validationUsesTheServicesRules()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"proxy.conf"_s);
        writeFile(path, kOriginal);
        ConfigDocument document;
        QVERIFY(document.open(path));
        QVERIFY(!document.loaded().hasErrors());

        document.setValue(setting(u"listener"_s, u"port"_s), {}, u"70000"_s);
        QVERIFY(document.loaded().hasErrors());
        const auto issues = document.issuesFor(u"listener.port"_s);
        QCOMPARE(issues.size(), 1);
        QVERIFY(issues.first().isError());
        QCOMPARE(issues.first().origin.name, path);
        // The wrong value stays in the file as typed.
        QCOMPARE(document.fileValue(setting(u"listener"_s, u"port"_s), {}), u"70000"_s);
    }

    void environmentFileIsASource()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"proxy.conf"_s);
        const QString environmentPath = dir.filePath(u"environment"_s);
        writeFile(path, u"[listener]\nport = 9090\n"_s);
        writeFile(environmentPath, u"# written by the installer\n"
                                   "TARGET_HOST=https://env.example.com\n"
                                   "AUDIENCE=\"https://monitor.azure.com\"\n"_s);
        QProcessEnvironment session;
        session.insert(u"IDENTITY_TYPE"_s, u"systemAssigned"_s);
        session.insert(u"AUDIENCE"_s, u"https://session.example.com"_s);

        ConfigDocument document;
        document.setEnvironment(environmentPath, session);
        QVERIFY(document.open(path));
        QVERIFY2(!document.loaded().hasErrors(), "the environment supplies the required settings");
        QCOMPARE(document.loaded().config.routes.first().target.host, u"env.example.com"_s);
        QCOMPARE(document.sourceText(u"route.default.target_host"_s),
                 u"TARGET_HOST in the environment file "_s + environmentPath + u", line 2"_s);
        // The unit's file wins over the session's environment, as systemd starts the service.
        QCOMPARE(document.loaded().config.routes.first().audience, u"https://monitor.azure.com"_s);
        QCOMPARE(document.sourceText(u"identity.default.type"_s),
                 u"IDENTITY_TYPE in this session's environment"_s);
        QCOMPARE(document.settingsFromEnvironmentFile(), 2);
        QCOMPARE(document.settingsFromProcessEnvironment(), 1);

        // Without the file, the required settings are missing.
        document.setEnvironment(dir.filePath(u"missing"_s), {});
        QVERIFY(document.loaded().hasErrors());
        QVERIFY(!document.environmentFile().exists());
    }

    void environmentFileFollowsSystemdRules()
    {
        const EnvironmentFile file = EnvironmentFile::parse(u"/x"_s, u"  A=1\n"
                                                                     "; comment\n"
                                                                     "# B=2\n"
                                                                     "C='quoted value'\n"
                                                                     "not a line\n"
                                                                     "9X=bad name\n"_s);
        QCOMPARE(file.size(), 2);
        QCOMPARE(file.variable(u"A"_s).value, u"1"_s);
        QCOMPARE(file.variable(u"C"_s).value, u"quoted value"_s);
        QCOMPARE(file.variable(u"C"_s).line, 4);
    }

    void secretsAreNeverReturned()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"proxy.conf"_s);
        const QString marker = u"marker-secret-7f3a"_s;
        writeFile(path, kOriginal + u"client_secret = "_s + marker + u"\n"_s);
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);

        ConfigDocument document;
        QVERIFY(document.open(path));
        const auto &secret = setting(u"identity"_s, u"client_secret"_s);
        QCOMPARE(document.effectiveValue(secret, u"default"_s), u"<redacted>"_s);
        for (const auto &issue : document.loaded().issues)
            QVERIFY(!issue.message.contains(marker));

        // What Apply sends to the service never holds the secret.
        QVERIFY(!document.textWithoutSecrets().contains(marker));
        QVERIFY(document.textWithoutSecrets().contains(u"client_secret = <redacted>"_s));
        QVERIFY(document.textWithoutSecrets().startsWith(u"# proxy for the ingestion endpoint\n"_s));
        QVERIFY(!document.secretsEdited());
        document.setValue(setting(u"listener"_s, u"port"_s), {}, u"9191"_s);
        QVERIFY(!document.secretsEdited());
        document.setValue(secret, u"default"_s, u"another-secret"_s);
        QVERIFY(document.secretsEdited());
        QVERIFY(document.save());
        QVERIFY(!document.secretsEdited());
    }
};

QTEST_MAIN(tst_ConfiguratorDocument)
#include "tst_ConfiguratorDocument.moc"
