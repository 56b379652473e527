#include "auth/TokenLifetimePolicy.h"

#include <QTest>

#include <chrono>
#include <optional>

using namespace std::chrono_literals;
using aap::auth::TokenLifetimePolicy;
using Duration = std::chrono::milliseconds;
using TimePoint = TokenLifetimePolicy::TimePoint;

Q_DECLARE_METATYPE(std::chrono::milliseconds)
Q_DECLARE_METATYPE(std::optional<std::chrono::milliseconds>)

namespace {
const TimePoint kArrival{std::chrono::seconds{1'800'000'000}};
}

class tst_TokenLifetimePolicy : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void margin_data()
    {
        QTest::addColumn<Duration>("lifetime");
        QTest::addColumn<Duration>("margin");
        QTest::newRow("24 h: capped at 5 min") << Duration{24h} << Duration{5min};
        QTest::newRow("1 h: capped at 5 min") << Duration{1h} << Duration{5min};
        QTest::newRow("50 min: exactly 10 %") << Duration{50min} << Duration{5min};
        QTest::newRow("10 min: 10 %") << Duration{10min} << Duration{1min};
        QTest::newRow("60 s: 10 %") << Duration{60s} << Duration{6s};
        QTest::newRow("5 s: 1 s floor") << Duration{5s} << Duration{1s};
        QTest::newRow("3 s: 1 s floor") << Duration{3s} << Duration{1s};
        QTest::newRow("1.5 s: half the lifetime") << Duration{1500ms} << Duration{750ms};
        QTest::newRow("100 ms: half the lifetime") << Duration{100ms} << Duration{50ms};
    }

    void margin()
    {
        QFETCH(Duration, lifetime);
        QFETCH(Duration, margin);
        QCOMPARE(TokenLifetimePolicy::safetyMargin(lifetime).count(), margin.count());
    }

    void times_data()
    {
        QTest::addColumn<int>("percent");
        QTest::addColumn<Duration>("lifetime");
        QTest::addColumn<std::optional<Duration>>("refreshIn");
        QTest::addColumn<Duration>("usableFor");
        QTest::addColumn<Duration>("refreshAfter");

        const std::optional<Duration> none;
        // 1 h token: usable 55 min; 10 % of that left = refresh after 49.5 min.
        QTest::newRow("1 h, 10 %") << 10 << Duration{1h} << none << Duration{55min} << Duration{2970s};
        QTest::newRow("1 h, 50 %") << 50 << Duration{1h} << none << Duration{55min} << Duration{1650s};
        QTest::newRow("1 h, 1 %") << 1 << Duration{1h} << none << Duration{55min} << Duration{3267s};
        QTest::newRow("1 h, 99 %") << 99 << Duration{1h} << none << Duration{55min} << Duration{33s};
        // 24 h IMDS token: refresh with 2 h 23.5 min of usable time to spare.
        QTest::newRow("24 h, 10 %") << 10 << Duration{24h} << none << Duration{1435min} << Duration{77490s};
        QTest::newRow("60 s, 10 %") << 10 << Duration{60s} << none << Duration{54s} << Duration{48600ms};
        QTest::newRow("3 s, 10 %") << 10 << Duration{3s} << none << Duration{2s} << Duration{1800ms};
        // refresh_in moves the refresh earlier, never later.
        QTest::newRow("refresh_in earlier")
            << 10 << Duration{1h} << std::optional<Duration>{30min} << Duration{55min} << Duration{30min};
        QTest::newRow("refresh_in later ignored")
            << 10 << Duration{1h} << std::optional<Duration>{58min} << Duration{55min} << Duration{2970s};
        // Never sooner than 1 s after arrival, whatever the service says.
        QTest::newRow("refresh_in zero")
            << 10 << Duration{1h} << std::optional<Duration>{0s} << Duration{55min} << Duration{1s};
        QTest::newRow("tiny token") << 10 << Duration{500ms} << none << Duration{250ms} << Duration{1s};
        // Out-of-range percents fall back to the default 10.
        QTest::newRow("0 % -> 10 %") << 0 << Duration{1h} << none << Duration{55min} << Duration{2970s};
        QTest::newRow("100 % -> 10 %") << 100 << Duration{1h} << none << Duration{55min} << Duration{2970s};
        QTest::newRow("-5 % -> 10 %") << -5 << Duration{1h} << none << Duration{55min} << Duration{2970s};
    }

    void times()
    {
        QFETCH(int, percent);
        QFETCH(Duration, lifetime);
        QFETCH(std::optional<Duration>, refreshIn);
        QFETCH(Duration, usableFor);
        QFETCH(Duration, refreshAfter);

        const TokenLifetimePolicy policy(percent);
        std::optional<TimePoint> refreshOn;
        if (refreshIn) {
            refreshOn = kArrival + *refreshIn;
        }
        const auto times = policy.evaluate(kArrival, kArrival + lifetime, refreshOn);
        QCOMPARE(std::chrono::duration_cast<Duration>(times.usableUntil - kArrival).count(),
                 usableFor.count());
        QCOMPARE(std::chrono::duration_cast<Duration>(times.refreshAt - kArrival).count(),
                 refreshAfter.count());
    }

    void refreshAlwaysBeforeUsableUntilForEveryPercent()
    {
        for (int percent = 1; percent <= 99; ++percent) {
            const TokenLifetimePolicy policy(percent);
            for (const Duration lifetime : {Duration{3s}, Duration{60s}, Duration{1h}, Duration{24h}}) {
                const auto times = policy.evaluate(kArrival, kArrival + lifetime);
                QVERIFY2(times.refreshAt < times.usableUntil, qPrintable(QString::number(percent)));
                QVERIFY(times.usableUntil < kArrival + lifetime);
            }
        }
    }

    void effectivePercent()
    {
        QCOMPARE(TokenLifetimePolicy::effectivePercent(1), 1);
        QCOMPARE(TokenLifetimePolicy::effectivePercent(99), 99);
        QCOMPARE(TokenLifetimePolicy::effectivePercent(0), 10);
        QCOMPARE(TokenLifetimePolicy::effectivePercent(100), 10);
        QCOMPARE(TokenLifetimePolicy(0).refreshPercent(), 10);
        QCOMPARE(TokenLifetimePolicy(100).refreshPercent(), 10);
        QCOMPARE(TokenLifetimePolicy(25).refreshPercent(), 25);
    }
};

QTEST_GUILESS_MAIN(tst_TokenLifetimePolicy)
#include "tst_TokenLifetimePolicy.moc"
