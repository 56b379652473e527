#include "log/LogField.h"

#include <QTest>

using aap::log::LogField;
using namespace Qt::StringLiterals;

class tst_LogField : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void kv_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain") << u"127.0.0.1"_s << u"address=127.0.0.1"_s;
        QTest::newRow("url") << u"https://monitor.azure.com/"_s << u"address=https://monitor.azure.com/"_s;
        QTest::newRow("empty") << QString() << u"address=\"\""_s;
        QTest::newRow("space") << u"no token yet"_s << u"address=\"no token yet\""_s;
        QTest::newRow("equals") << u"a=b"_s << u"address=\"a=b\""_s;
        QTest::newRow("quote and backslash")
            << u"say \"hi\" \\ bye"_s << u"address=\"say \\\"hi\\\" \\\\ bye\""_s;
        QTest::newRow("tab") << u"a\tb"_s << u"address=\"a\tb\""_s;
    }

    void kv()
    {
        QFETCH(QString, value);
        QFETCH(QString, expected);
        QCOMPARE(LogField::kv("address", value), expected);
    }

    void otherTypes()
    {
        QCOMPARE(LogField::kv("port", 8081), u"port=8081"_s);
        QCOMPARE(LogField::kv("bytes", qint64{-5}), u"bytes=-5"_s);
        QCOMPARE(LogField::kv("path", QByteArrayLiteral("/api/v1/write")), u"path=/api/v1/write"_s);
        QCOMPARE(LogField::kv("kind", "imds"), u"kind=imds"_s);
    }
};

QTEST_GUILESS_MAIN(tst_LogField)
#include "tst_LogField.moc"
