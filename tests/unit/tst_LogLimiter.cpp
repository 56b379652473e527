#include "log/LogLimiter.h"
#include "support/FakeClock.h"

#include <QTest>

using namespace std::chrono_literals;
using aap::log::LogLimiter;

class tst_LogLimiter : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void burstThenSuppressedThenCounted()
    {
        aap::test::FakeClock clock;
        LogLimiter limiter(clock, 10s, 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(limiter.admit(), std::optional<std::uint64_t>(0));
        }
        for (int i = 0; i < 7; ++i) {
            QVERIFY(!limiter.admit().has_value());
            clock.advance(1s);
        }
        // 7 s into the window: still suppressed.
        QVERIFY(!limiter.admit().has_value());
        clock.advance(3s);
        // A new window: the first line says how many were dropped.
        QCOMPARE(limiter.admit(), std::optional<std::uint64_t>(8));
        QCOMPARE(limiter.admit(), std::optional<std::uint64_t>(0));
    }

    void quietPeriodsNeverSuppress()
    {
        aap::test::FakeClock clock;
        LogLimiter limiter(clock, 10s, 1);
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(limiter.admit(), std::optional<std::uint64_t>(0));
            clock.advance(10s);
        }
    }
};

QTEST_GUILESS_MAIN(tst_LogLimiter)
#include "tst_LogLimiter.moc"
