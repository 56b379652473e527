// The request body's time limit: the time-out alone, the second earned per min-rate bytes, a
// restart that counts only later bytes, and no overflow for absurd sizes. Times are passed in.
#include "proxy/BodyRateClock.h"

#include <QTest>

#include <limits>

using namespace std::chrono_literals;
using aap::proxy::BodyRateClock;

class tst_BodyRateClock : public QObject {
    Q_OBJECT

    static constexpr BodyRateClock::Time kStart{std::chrono::hours(1)};

private Q_SLOTS:
    void notRunningNeverExpires()
    {
        const BodyRateClock clock(20s, 1024);
        QVERIFY(!clock.running());
        QVERIFY(!clock.expired(kStart + 24h, 0));
    }

    void timeoutAloneWithoutBytes()
    {
        BodyRateClock clock(20s, 1024);
        clock.start(kStart, 0);
        QVERIFY(!clock.expired(kStart + 19'999ms, 0));
        QVERIFY(clock.expired(kStart + 20s, 0));
        QCOMPARE(clock.elapsed(kStart + 20s), 20'000ms);
    }

    void bytesEarnTime_data()
    {
        QTest::addColumn<quint64>("received");
        QTest::addColumn<qint64>("allowedMs");
        QTest::newRow("one byte") << quint64{1} << qint64{20'000};
        QTest::newRow("1024 bytes: a second") << quint64{1024} << qint64{21'000};
        QTest::newRow("1536 bytes: a second and a half") << quint64{1536} << qint64{21'500};
        QTest::newRow("10 MiB: 10,240 s") << quint64{10} * 1024 * 1024 << qint64{20'000 + 10'240'000};
    }
    void bytesEarnTime()
    {
        QFETCH(quint64, received);
        QFETCH(qint64, allowedMs);
        BodyRateClock clock(20s, 1024);
        clock.start(kStart, 0);
        QVERIFY(!clock.expired(kStart + std::chrono::milliseconds(allowedMs - 1), received));
        QVERIFY(clock.expired(kStart + std::chrono::milliseconds(allowedMs), received));
    }

    void zeroRateIsTheTimeoutAlone()
    {
        BodyRateClock clock(5s, 0);
        clock.start(kStart, 0);
        QVERIFY(clock.expired(kStart + 5s, quint64{1} << 40));
    }

    void restartCountsOnlyLaterBytes()
    {
        BodyRateClock clock(1s, 100);
        clock.start(kStart, 5000); // 5,000 bytes arrived before: they earn nothing now
        QCOMPARE(clock.receivedSinceStart(5100), quint64{100});
        QVERIFY(!clock.expired(kStart + 1999ms, 5100));
        QVERIFY(clock.expired(kStart + 2s, 5100));
        clock.start(kStart + 10s, 5100);
        QVERIFY(!clock.expired(kStart + 10'999ms, 5100));
        QVERIFY(clock.expired(kStart + 11s, 5100));
        clock.stop();
        QVERIFY(!clock.expired(kStart + 24h, 5100));
    }

    void absurdSizesDoNotOverflow()
    {
        BodyRateClock clock(1s, 1);
        clock.start(kStart, 0);
        QVERIFY(!clock.expired(kStart + 24h * 365, std::numeric_limits<quint64>::max()));
    }
};

QTEST_GUILESS_MAIN(tst_BodyRateClock)
#include "tst_BodyRateClock.moc"
