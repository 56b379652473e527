#include "inbound/ConstantTime.h"

#include <QTest>

using aap::inbound::ConstantTime;

class tst_ConstantTime : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void equals_data()
    {
        QTest::addColumn<QByteArray>("a");
        QTest::addColumn<QByteArray>("b");
        QTest::addColumn<bool>("expected");
        QTest::newRow("same") << QByteArray("key-0123456789abcdef") << QByteArray("key-0123456789abcdef")
                              << true;
        QTest::newRow("both empty") << QByteArray() << QByteArray() << true;
        QTest::newRow("first byte") << QByteArray("Xey-0123") << QByteArray("key-0123") << false;
        QTest::newRow("last byte") << QByteArray("key-0124") << QByteArray("key-0123") << false;
        QTest::newRow("prefix of the other") << QByteArray("key-012") << QByteArray("key-0123") << false;
        QTest::newRow("longer") << QByteArray("key-01234") << QByteArray("key-0123") << false;
        QTest::newRow("one empty") << QByteArray() << QByteArray("k") << false;
        // A trailing zero byte must not pass for "shorter", which a zero-padded read could suggest.
        QTest::newRow("trailing zero") << QByteArray("key\0", 4) << QByteArray("key") << false;
        QTest::newRow("high bytes") << QByteArray("\xff\x80") << QByteArray("\xff\x80") << true;
        QTest::newRow("high bytes differ") << QByteArray("\xff\x80") << QByteArray("\xff\x81") << false;
    }
    void equals()
    {
        QFETCH(QByteArray, a);
        QFETCH(QByteArray, b);
        QFETCH(bool, expected);
        QCOMPARE(ConstantTime::equals(a, b), expected);
        QCOMPARE(ConstantTime::equals(b, a), expected);
    }

    // Every single-bit difference anywhere in a 32-byte digest is detected.
    void everyBitCounts()
    {
        const QByteArray reference(32, '\x5a');
        for (int byte = 0; byte < reference.size(); ++byte) {
            for (int bit = 0; bit < 8; ++bit) {
                QByteArray changed = reference;
                changed[byte] = static_cast<char>(changed[byte] ^ (1 << bit));
                QVERIFY2(!ConstantTime::equals(reference, changed), qPrintable(QString::number(byte)));
            }
        }
        QVERIFY(ConstantTime::equals(reference, QByteArray(32, '\x5a')));
    }
};

QTEST_GUILESS_MAIN(tst_ConstantTime)
#include "tst_ConstantTime.moc"
