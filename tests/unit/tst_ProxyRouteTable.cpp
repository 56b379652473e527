#include "proxy/RouteTable.h"

#include <QTest>

class tst_ProxyRouteTable : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void longestPrefixAtSegmentBoundary_data()
    {
        QTest::addColumn<QList<QByteArray>>("prefixes");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("expected"); // -1: no route
        const QList<QByteArray> common{"/", "/api", "/api/v1/", "/prom"};
        QTest::newRow("root") << common << QByteArray("/") << 0;
        QTest::newRow("other") << common << QByteArray("/x/y") << 0;
        QTest::newRow("exact api") << common << QByteArray("/api") << 1;
        QTest::newRow("below api") << common << QByteArray("/api/x") << 1;
        QTest::newRow("not a segment") << common << QByteArray("/apix") << 0;
        QTest::newRow("longest") << common << QByteArray("/api/v1/query") << 2;
        QTest::newRow("trailing slash prefix") << common << QByteArray("/api/v1") << 2;
        QTest::newRow("asterisk") << common << QByteArray("*") << 0;
        const QList<QByteArray> noRoot{"/api", "prom"};
        QTest::newRow("no root") << noRoot << QByteArray("/other") << -1;
        QTest::newRow("empty path") << noRoot << QByteArray("") << -1;
        QTest::newRow("prefix without slash") << noRoot << QByteArray("/prom/x") << 1;
        // A route with a port of its own has a null prefix: never matched by path.
        QTest::newRow("null prefix left out")
            << QList<QByteArray>{QByteArray(), "/"} << QByteArray("/x") << 1;
        QTest::newRow("first of equal prefixes") << QList<QByteArray>{"/a", "/a/"} << QByteArray("/a/b") << 0;
    }
    void longestPrefixAtSegmentBoundary()
    {
        QFETCH(QList<QByteArray>, prefixes);
        QFETCH(QByteArray, path);
        QFETCH(int, expected);
        const aap::proxy::RouteTable table(prefixes);
        const auto match = table.match(path);
        QCOMPARE(match ? static_cast<int>(*match) : -1, expected);
    }
};

QTEST_GUILESS_MAIN(tst_ProxyRouteTable)
#include "tst_ProxyRouteTable.moc"
