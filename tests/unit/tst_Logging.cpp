#include "log/Logging.h"

#include <QTest>

#include <utility>
#include <vector>

using namespace Qt::StringLiterals;

// The line sink: what the Windows Event Log receives when the SCM runs the service.
class tst_Logging : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { aap::log::install(); }
    void cleanup() { aap::log::setLineSink({}); }

    void sinkGetsEveryFormattedLineThatPassesTheLevel()
    {
        std::vector<std::pair<QtMsgType, QString>> lines;
        aap::log::setLineSink(
            [&lines](QtMsgType type, const QString &line) { lines.emplace_back(type, line); });
        aap::log::setLevel(aap::config::LogLevel::Info);
        qCDebug(lcApp).noquote() << "filtered out";
        qCInfo(lcApp).noquote() << "started"
                                << "port=8081";
        qCWarning(lcAuth).noquote() << "token refresh failed";
        QCOMPARE(lines.size(), std::size_t{2});
        QCOMPARE(lines[0].first, QtInfoMsg);
        QVERIFY2(lines[0].second.contains(u"level=info cat=aap.app msg=started port=8081"_s),
                 qPrintable(lines[0].second));
        QVERIFY(!lines[0].second.endsWith(u'\n'));
        QCOMPARE(lines[1].first, QtWarningMsg);
        QVERIFY2(lines[1].second.contains(u"level=warning cat=aap.auth msg=\"token refresh failed\""_s),
                 qPrintable(lines[1].second));
    }

    void emptySinkStopsDelivery()
    {
        int calls = 0;
        aap::log::setLineSink([&calls](QtMsgType, const QString &) { ++calls; });
        qCWarning(lcApp).noquote() << "one";
        aap::log::setLineSink({});
        qCWarning(lcApp).noquote() << "two";
        QCOMPARE(calls, 1);
    }
};

QTEST_GUILESS_MAIN(tst_Logging)
#include "tst_Logging.moc"
