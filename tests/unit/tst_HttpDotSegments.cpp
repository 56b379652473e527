#include "http/DotSegments.h"

#include <QTest>

using aap::http::DotSegments;

class tst_HttpDotSegments : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void climbAbovePrefix_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("prefixLength");
        QTest::addColumn<bool>("climbs");
        // Route "/" (prefix length 0 after the leading slash is shared by every path).
        QTest::newRow("plain") << QByteArray("/api/v1/write") << 0 << false;
        QTest::newRow("root") << QByteArray("/") << 0 << false;
        QTest::newRow("up from root") << QByteArray("/../../admin") << 0 << true;
        QTest::newRow("up after down") << QByteArray("/a/../b") << 0 << false;
        QTest::newRow("up twice after one") << QByteArray("/a/../../b") << 0 << true;
        QTest::newRow("dot stays") << QByteArray("/./a/./b") << 0 << false;
        QTest::newRow("encoded dots") << QByteArray("/%2e%2e/admin") << 0 << true;
        QTest::newRow("encoded upper") << QByteArray("/%2E%2E/admin") << 0 << true;
        QTest::newRow("mixed dots") << QByteArray("/.%2e/admin") << 0 << true;
        QTest::newRow("encoded slash") << QByteArray("/a%2f..%2f..") << 0 << true;
        QTest::newRow("empty segment counts") << QByteArray("/a//..") << 0 << false;
        QTest::newRow("three dots are a name") << QByteArray("/.../x") << 0 << false;
        QTest::newRow("dots inside a name") << QByteArray("/a..b/..") << 0 << false;
        QTest::newRow("percent not an escape") << QByteArray("/%2") << 0 << false;
        // Route "/dcr-1" (prefix length 6).
        QTest::newRow("below prefix") << QByteArray("/dcr-1/x/../y") << 6 << false;
        QTest::newRow("leaves prefix") << QByteArray("/dcr-1/../dcr-2/x") << 6 << true;
        QTest::newRow("leaves prefix encoded") << QByteArray("/dcr-1/%2e%2e/x") << 6 << true;
        QTest::newRow("prefix itself") << QByteArray("/dcr-1") << 6 << false;
    }

    void climbAbovePrefix()
    {
        QFETCH(QByteArray, path);
        QFETCH(int, prefixLength);
        QFETCH(bool, climbs);
        QCOMPARE(DotSegments::climbAbovePrefix(path, prefixLength), climbs);
    }
};

QTEST_APPLESS_MAIN(tst_HttpDotSegments)
#include "tst_HttpDotSegments.moc"
