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
        const QString head = u"time=2026-11-28T14:05:06.789Z level=info cat=aap.auth"_s;
        const int info = QtInfoMsg;

        QTest::newRow("event only, one word") << info << u"drained"_s << head + u" msg=drained"_s;
        QTest::newRow("event only, words")
            << info << u"token refresh started"_s << head + u" msg=\"token refresh started\""_s;
        QTest::newRow("event and fields")
            << info << u"token acquired identity=default audience=https://monitor.azure.com"_s
            << head + u" msg=\"token acquired\" identity=default audience=https://monitor.azure.com"_s;
        QTest::newRow("fields only") << info << u"identity=default port=8081"_s
                                     << head + u" identity=default port=8081"_s;
        QTest::newRow("empty message") << info << QString() << head;
        QTest::newRow("quoted value with spaces")
            << info << u"token refresh failed error=\"http 500 unknown: boom\" retryable=yes"_s
            << head + u" msg=\"token refresh failed\" error=\"http 500 unknown: boom\" retryable=yes"_s;
        QTest::newRow("escapes in a quoted value") << info << u"x reason=\"say \\\"hi\\\" \\\\ bye\""_s
                                                   << head + u" msg=x reason=\"say \\\"hi\\\" \\\\ bye\""_s;
        QTest::newRow("empty quoted value") << info << u"x path=\"\""_s << head + u" msg=x path=\"\""_s;
        QTest::newRow("dotted key") << info << u"x route.default=1"_s << head + u" msg=x route.default=1"_s;
        QTest::newRow("unquoted value needing quotes is quoted")
            << info << u"x url=http://h/?a=b"_s << head + u" msg=x url=\"http://h/?a=b\""_s;
        QTest::newRow("prose containing '='") << info << u"config.ini:3: expected 'key = value'"_s
                                              << head + u" msg=\"config.ini:3: expected 'key = value'\""_s;
        QTest::newRow("a field before a word belongs to the event")
            << info << u"setting a=b is ignored port=1"_s
            << head + u" msg=\"setting a=b is ignored\" port=1"_s;
        QTest::newRow("key= followed by a space is a word")
            << info << u"listening address= 127.0.0.1"_s << head + u" msg=\"listening address= 127.0.0.1\""_s;
        QTest::newRow("unterminated quote is a word")
            << info << u"x reason=\"open end"_s << head + u" msg=\"x reason=\\\"open end\""_s;
        QTest::newRow("text after a closing quote is a word")
            << info << u"x a=\"b\"c"_s << head + u" msg=\"x a=\\\"b\\\"c\""_s;
        QTest::newRow("key must not start with a digit")
            << info << u"x 1a=b"_s << head + u" msg=\"x 1a=b\""_s;
        // One event stays one line even when a message carries line breaks (e.g. a server's text).
        QTest::newRow("newlines in the event") << info << u"a\r\nb"_s << head + u" msg=\"a\\r\\nb\""_s;
        QTest::newRow("newlines in a field") << info << u"response body=\"line1\nline2\""_s
                                             << head + u" msg=response body=\"line1\\nline2\""_s;
        QTest::newRow("warning") << int(QtWarningMsg) << u"refresh failed"_s
                                 << u"time=2026-11-28T14:05:06.789Z level=warning cat=aap.auth "
                                    "msg=\"refresh failed\""_s;
        QTest::newRow("critical is error") << int(QtCriticalMsg) << u"start failed"_s
                                           << u"time=2026-11-28T14:05:06.789Z level=error cat=aap.auth "
                                              "msg=\"start failed\""_s;
        QTest::newRow("debug") << int(QtDebugMsg) << u"x"_s
                               << u"time=2026-11-28T14:05:06.789Z level=debug cat=aap.auth msg=x"_s;
    }
    void format()
    {
        QFETCH(int, type);
        QFETCH(QString, message);
        QFETCH(QString, expected);
        const QDateTime when(QDate(2026, 11, 28), QTime(14, 5, 6, 789), Qt::UTC);
        QCOMPARE(LogFormatter::format(when, static_cast<QtMsgType>(type), "aap.auth", message), expected);
    }

    void timeIsUtc()
    {
        const QDateTime utc(QDate(2026, 11, 28), QTime(14, 5, 6, 789), Qt::UTC);
        const QDateTime shifted = utc.toOffsetFromUtc(2 * 3600);
        QVERIFY(LogFormatter::format(shifted, QtInfoMsg, "aap.app", u"x"_s)
                    .startsWith(u"time=2026-11-28T14:05:06.789Z "_s));
    }

    void missingCategoryIsDefault()
    {
        const QDateTime when(QDate(2026, 11, 28), QTime(14, 5, 6, 789), Qt::UTC);
        QCOMPARE(LogFormatter::format(when, QtInfoMsg, nullptr, u"x"_s),
                 u"time=2026-11-28T14:05:06.789Z level=info cat=default msg=x"_s);
    }
};

QTEST_GUILESS_MAIN(tst_LogFormatter)
#include "tst_LogFormatter.moc"
