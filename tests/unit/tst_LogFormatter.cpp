#include "log/LogFormatter.h"

#include <QTest>

using aap::log::LogFormatter;
using namespace Qt::StringLiterals;

class tst_LogFormatter : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void format_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("expected");
        const QString time = u"2026-11-28T14:05:06.789Z"_s;
        QTest::newRow("info") << int(QtInfoMsg) << u"token acquired identity=default"_s
                              << time + u" level=info cat=aap.auth token acquired identity=default"_s;
        QTest::newRow("warning") << int(QtWarningMsg) << u"refresh failed"_s
                                 << time + u" level=warning cat=aap.auth refresh failed"_s;
        QTest::newRow("critical is error")
            << int(QtCriticalMsg) << u"start failed"_s << time + u" level=error cat=aap.auth start failed"_s;
        // One event stays one line even when a message carries line breaks (e.g. a server's text).
        QTest::newRow("newlines escaped")
            << int(QtDebugMsg) << u"a\r\nb"_s << time + u" level=debug cat=aap.auth a\\r\\nb"_s;
    }
    void format()
    {
        QFETCH(int, type);
        QFETCH(QString, message);
        QFETCH(QString, expected);
        const QDateTime when(QDate(2026, 11, 28), QTime(14, 5, 6, 789), Qt::UTC);
        QCOMPARE(LogFormatter::format(when, static_cast<QtMsgType>(type), "aap.auth", message), expected);
    }
};

QTEST_GUILESS_MAIN(tst_LogFormatter)
#include "tst_LogFormatter.moc"
