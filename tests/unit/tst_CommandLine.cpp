#include "app/CommandLine.h"
#include "config/SettingCatalog.h"

#include <QTest>

using namespace aap::app;
using namespace Qt::StringLiterals;

class tst_CommandLine : public QObject {
    Q_OBJECT

    static QStringList args(const QStringList &rest) { return QStringList{u"aad-auth-proxy"_s} + rest; }

private slots:
    void noArguments()
    {
        CommandLine commandLine;
        const auto options = commandLine.parse(args({}));
        QVERIFY(options.has_value());
        QVERIFY(!options->configPath.has_value());
        QVERIFY(!options->checkConfig);
        QVERIFY(!options->showHelp);
        QVERIFY(!options->showVersion);
        QVERIFY(options->settings.isEmpty());
    }

    void settingsAndConfig()
    {
        CommandLine commandLine;
        const auto options = commandLine.parse(
            args({u"--check-config"_s, u"--config"_s, u"/tmp/a.conf"_s, u"--target-host"_s,
                  u"example.com:8443"_s, u"--listening-port=9000"_s, u"--identity-type"_s, u"UserAssigned"_s,
                  u"--client-id"_s, u"abc"_s, u"--listening-port"_s, u"9001"_s}));
        QVERIFY(options.has_value());
        QVERIFY(options->checkConfig);
        QCOMPARE(options->configPath.value_or(QString()), u"/tmp/a.conf"_s);
        QHash<QString, QString> settings;
        for (const auto &[flag, value] : options->settings)
            settings.insert(flag, value);
        QCOMPARE(settings.size(), 4);
        QCOMPARE(settings.value(u"target-host"_s), u"example.com:8443"_s);
        QCOMPARE(settings.value(u"listening-port"_s), u"9001"_s); // the last one wins
        QCOMPARE(settings.value(u"identity-type"_s), u"UserAssigned"_s);
        QCOMPARE(settings.value(u"client-id"_s), u"abc"_s);
    }

    void helpAndVersion_data()
    {
        QTest::addColumn<QString>("argument");
        QTest::addColumn<bool>("help");
        QTest::newRow("--help") << u"--help"_s << true;
        QTest::newRow("-h") << u"-h"_s << true;
        QTest::newRow("--version") << u"--version"_s << false;
        QTest::newRow("-v") << u"-v"_s << false;
    }
    void helpAndVersion()
    {
        QFETCH(QString, argument);
        QFETCH(bool, help);
        CommandLine commandLine;
        const auto options = commandLine.parse(args({argument}));
        QVERIFY(options.has_value());
        QCOMPARE(options->showHelp, help);
        QCOMPARE(options->showVersion, !help);
    }

    void helpListsEveryFlag()
    {
        CommandLine commandLine;
        const QString help = commandLine.helpText();
        for (const auto &setting : aap::config::SettingCatalog::all()) {
            QVERIFY2(help.contains(u"--"_s + setting.flag + u" <"_s), qPrintable(setting.flag));
            QVERIFY2(help.contains(setting.envNames.constFirst()), qPrintable(setting.flag));
        }
        QVERIFY(help.contains(u"--check-config"_s));
        QVERIFY(help.contains(u"--config <path>"_s));
    }

    void errors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown option")
            << QStringList{u"--no-such-thing"_s} << u"Unknown option 'no-such-thing'"_s;
        QTest::newRow("missing value")
            << QStringList{u"--target-host"_s} << u"Missing value after '--target-host'"_s;
        QTest::newRow("positional") << QStringList{u"extra"_s} << u"unexpected argument"_s;
        QTest::newRow("value on a switch") << QStringList{u"--check-config=yes"_s} << u"check-config"_s;
    }
    void errors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        CommandLine commandLine;
        const auto options = commandLine.parse(args(arguments));
        QVERIFY(!options.has_value());
        QVERIFY2(options.error().contains(message), qPrintable(options.error()));
    }

    void secretFlagValueNotInErrors()
    {
        CommandLine commandLine;
        const auto options =
            commandLine.parse(args({u"--client-secret"_s, u"flag-secret-value"_s, u"--unknown"_s, u"x"_s}));
        QVERIFY(!options.has_value());
        QVERIFY(!options.error().contains(u"flag-secret-value"_s));
    }
};

QTEST_GUILESS_MAIN(tst_CommandLine)
#include "tst_CommandLine.moc"
