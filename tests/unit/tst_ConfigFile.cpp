#include "config/ConfigFile.h"

#include <QTest>

using namespace aap::config;
using namespace Qt::StringLiterals;

namespace {

const QString kSample = uR"(# aad-auth-proxy configuration
; a semicolon comment

[listener]
port = 8081
  address=127.0.0.1
future_key = kept as is

[route]
# the target
target_host = https://example.com/base
audience = https://monitor.azure.com/.default

[route "query"]
target_host = https://query.example
[identity.ingest]
type = aadApplication
password = "  spaced # not a comment  "

[unknown_section]
whatever = 1
)"_s;

} // namespace

class tst_ConfigFile : public QObject {
    Q_OBJECT

private slots:
    void parsesSectionsKeysAndLines()
    {
        const ConfigFile file = ConfigFile::parse(kSample);
        QVERIFY(file.problems().isEmpty());
        QCOMPARE(file.entries().size(), 9);

        const auto port = file.find(u"listener"_s, QString(), u"port"_s);
        QVERIFY(port.has_value());
        QCOMPARE(port->value, u"8081"_s);
        QCOMPARE(port->line, 5);

        const auto address = file.find(u"LISTENER"_s, QString(), u"ADDRESS"_s);
        QVERIFY(address.has_value());
        QCOMPARE(address->value, u"127.0.0.1"_s);
        QCOMPARE(address->line, 6);

        const auto query = file.find(u"route"_s, u"query"_s, u"target_host"_s);
        QVERIFY(query.has_value());
        QCOMPARE(query->value, u"https://query.example"_s);
        QCOMPARE(query->line, 15);

        const auto dotted = file.find(u"identity"_s, u"ingest"_s, u"type"_s);
        QVERIFY(dotted.has_value());
        QCOMPARE(dotted->value, u"aadApplication"_s);

        const auto quoted = file.find(u"identity"_s, u"ingest"_s, u"password"_s);
        QVERIFY(quoted.has_value());
        QCOMPARE(quoted->value, u"  spaced # not a comment  "_s);

        QVERIFY(!file.find(u"route"_s, u"query"_s, u"audience"_s).has_value());
    }

    void laterLineWins()
    {
        const ConfigFile file = ConfigFile::parse(u"[log]\nlevel = info\n[log]\nlevel = debug\n"_s);
        const auto level = file.find(u"log"_s, QString(), u"level"_s);
        QVERIFY(level.has_value());
        QCOMPARE(level->value, u"debug"_s);
        QCOMPARE(level->line, 4);
    }

    void problemsHaveLineNumbers_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("message");
        QTest::newRow("no equals") << u"[log]\nlevel debug\n"_s << 2 << u"expected 'key = value'"_s;
        QTest::newRow("bad header") << u"# x\n\n[route \"a\"\n"_s << 3 << u"malformed section header"_s;
        QTest::newRow("empty key") << u"[log]\n = debug\n"_s << 2 << u"invalid key name"_s;
        QTest::newRow("bad key") << u"[log]\nle vel = debug\n"_s << 2 << u"invalid key name"_s;
        QTest::newRow("open quote") << u"[log]\n\nlevel = \"debug\n"_s << 3 << u"quote"_s;
        QTest::newRow("text after quote") << u"[log]\nlevel = \"debug\" x\n"_s << 2 << u"quote"_s;
    }
    void problemsHaveLineNumbers()
    {
        QFETCH(QString, text);
        QFETCH(int, line);
        QFETCH(QString, message);
        const ConfigFile file = ConfigFile::parse(text);
        QCOMPARE(file.problems().size(), 1);
        QCOMPARE(file.problems().constFirst().line, line);
        QVERIFY2(file.problems().constFirst().message.contains(message),
                 qPrintable(file.problems().constFirst().message));
    }

    void roundTripUnchanged_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("sample") << kSample;
        QTest::newRow("crlf") << QString(kSample).replace(u"\n"_s, u"\r\n"_s);
        QTest::newRow("no final newline") << u"[log]\nlevel = debug"_s;
        QTest::newRow("empty") << QString();
        QTest::newRow("bad lines kept") << u"[log\nnot a setting\n"_s;
    }
    void roundTripUnchanged()
    {
        QFETCH(QString, text);
        QCOMPARE(ConfigFile::parse(text).toText(), text);
    }

    void mixedLineEndsStayLf()
    {
        // Found by fuzz_ConfigFile: a carriage return at the end of a LF file's last line made the
        // next parse take the file for CRLF, and the section appended after it was lost.
        ConfigFile file = ConfigFile::parse(u"# edited on Windows\r"_s);
        file.setValue(u"log"_s, QString(), u"level"_s, u"debug"_s);
        const ConfigFile again = ConfigFile::parse(file.toText());
        QVERIFY(again.problems().isEmpty());
        QCOMPARE(again.find(u"log"_s, QString(), u"level"_s)->value, u"debug"_s);

        const ConfigFile mixed = ConfigFile::parse(u"[log]\r\nlevel = info\n"_s);
        QCOMPARE(mixed.find(u"log"_s, QString(), u"level"_s)->value, u"info"_s);
    }

    void setValueChangesInPlace()
    {
        ConfigFile file = ConfigFile::parse(kSample);
        file.setValue(u"listener"_s, QString(), u"port"_s, u"9000"_s);
        file.setValue(u"listener"_s, QString(), u"address"_s, u"0.0.0.0"_s);
        QString expected = kSample;
        expected.replace(u"port = 8081"_s, u"port = 9000"_s);
        expected.replace(u"  address=127.0.0.1"_s, u"  address=0.0.0.0"_s);
        QCOMPARE(file.toText(), expected);
        QCOMPARE(file.find(u"listener"_s, QString(), u"port"_s)->value, u"9000"_s);
        QCOMPARE(file.find(u"listener"_s, QString(), u"port"_s)->line, 5);
    }

    void setValueAddsToExistingSection()
    {
        ConfigFile file = ConfigFile::parse(kSample);
        file.setValue(u"route"_s, u"query"_s, u"audience"_s, u"https://prometheus.monitor.azure.com"_s);
        const QString text = file.toText();
        QVERIFY(text.contains(u"[route \"query\"]\ntarget_host = https://query.example\n"
                              u"audience = https://prometheus.monitor.azure.com\n[identity.ingest]"_s));
        // Everything else is untouched: comments, unknown keys and sections.
        QVERIFY(text.contains(u"future_key = kept as is"_s));
        QVERIFY(text.contains(u"; a semicolon comment"_s));
        QVERIFY(text.contains(u"[unknown_section]\nwhatever = 1\n"_s));
        const auto added = file.find(u"route"_s, u"query"_s, u"audience"_s);
        QVERIFY(added.has_value());
        QCOMPARE(added->line, 16);
        // Re-parsing the written text gives the same entries.
        const ConfigFile reread = ConfigFile::parse(text);
        QCOMPARE(reread.entries().size(), file.entries().size());
        QCOMPARE(reread.toText(), text);
    }

    void setValueCreatesSection()
    {
        ConfigFile file = ConfigFile::parse(u"# only a comment\n"_s);
        file.setValue(u"route"_s, u"query"_s, u"target_host"_s, u"https://q.example"_s);
        file.setValue(u"log"_s, QString(), u"level"_s, u"debug"_s);
        QCOMPARE(file.toText(), u"# only a comment\n\n[route \"query\"]\ntarget_host = https://q.example\n\n"
                                u"[log]\nlevel = debug\n"_s);
    }

    void quotingRoundTrips_data()
    {
        QTest::addColumn<QString>("value");
        QTest::newRow("plain") << u"abc"_s;
        QTest::newRow("leading space") << u"  abc"_s;
        QTest::newRow("quote first") << u"\"abc"_s;
        QTest::newRow("backslash and quotes") << u" a\\b\"c "_s;
        QTest::newRow("hash and semicolon") << u"#a;b"_s;
        QTest::newRow("equals") << u"a=b=c"_s;
    }
    void quotingRoundTrips()
    {
        QFETCH(QString, value);
        ConfigFile file = ConfigFile::parse(u"[identity]\n"_s);
        file.setValue(u"identity"_s, QString(), u"client_secret"_s, value);
        const ConfigFile reread = ConfigFile::parse(file.toText());
        QVERIFY(reread.problems().isEmpty());
        const auto entry = reread.find(u"identity"_s, QString(), u"client_secret"_s);
        QVERIFY(entry.has_value());
        QVERIFY(entry->value == value); // a secret-like value: not printed on failure
    }

    void removeValue()
    {
        ConfigFile file = ConfigFile::parse(kSample);
        QVERIFY(file.removeValue(u"listener"_s, QString(), u"port"_s));
        QVERIFY(!file.removeValue(u"listener"_s, QString(), u"port"_s));
        QVERIFY(!file.toText().contains(u"port = 8081"_s));
        QCOMPARE(file.find(u"listener"_s, QString(), u"address"_s)->line, 5);
    }
};

QTEST_GUILESS_MAIN(tst_ConfigFile)
#include "tst_ConfigFile.moc"
