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
        QTest::newRow("2 h: capped at 5 min") << Duration{2h} << Duration{5min};
        QTest::newRow("100 min: exactly 5 %") << Duration{100min} << Duration{5min};
        QTest::newRow("1 h: 5 %") << Duration{1h} << Duration{3min};
        QTest::newRow("10 min: 5 %") << Duration{10min} << Duration{30s};
        QTest::newRow("60 s: 5 %") << Duration{60s} << Duration{3s};
        QTest::newRow("20 s: 1 s floor") << Duration{20s} << Duration{1s};
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
        // 1 h token: usable 57 min; the original's 10 % of the lifetime left = refresh after 54 min.
        QTest::newRow("1 h, 10 %") << 10 << Duration{1h} << none << Duration{57min} << Duration{54min};
        QTest::newRow("1 h, 50 %") << 50 << Duration{1h} << none << Duration{57min} << Duration{30min};
        // 1 % would be after usableUntil - 5 % of the usable 57 min: clamped there.
        QTest::newRow("1 h, 1 %") << 1 << Duration{1h} << none << Duration{57min} << Duration{3249s};
        QTest::newRow("1 h, 5 %") << 5 << Duration{1h} << none << Duration{57min} << Duration{3249s};
        QTest::newRow("1 h, 99 %") << 99 << Duration{1h} << none << Duration{57min} << Duration{36s};
        // 24 h IMDS token: refresh after 21.6 h, with 2 h 19 min of usable time to spare.
        QTest::newRow("24 h, 10 %") << 10 << Duration{24h} << none << Duration{1435min} << Duration{77760s};
        QTest::newRow("60 s, 10 %") << 10 << Duration{60s} << none << Duration{57s} << Duration{54s};
        QTest::newRow("20 s, 10 %") << 10 << Duration{20s} << none << Duration{19s} << Duration{18s};
        QTest::newRow("3 s, 10 %") << 10 << Duration{3s} << none << Duration{2s} << Duration{1900ms};
        // refresh_in moves the refresh earlier, never later.
        QTest::newRow("refresh_in earlier")
            << 10 << Duration{1h} << std::optional<Duration>{30min} << Duration{57min} << Duration{30min};
        QTest::newRow("refresh_in later ignored")
            << 10 << Duration{1h} << std::optional<Duration>{58min} << Duration{57min} << Duration{54min};
        // Never sooner than 1 s after arrival, whatever the service says.
        QTest::newRow("refresh_in zero")
            << 10 << Duration{1h} << std::optional<Duration>{0s} << Duration{57min} << Duration{1s};
        QTest::newRow("tiny token") << 10 << Duration{500ms} << none << Duration{250ms} << Duration{1s};
        // Out-of-range percents fall back to the default 10.
        QTest::newRow("0 % -> 10 %") << 0 << Duration{1h} << none << Duration{57min} << Duration{54min};
        QTest::newRow("100 % -> 10 %") << 100 << Duration{1h} << none << Duration{57min} << Duration{54min};
        QTest::newRow("-5 % -> 10 %") << -5 << Duration{1h} << none << Duration{57min} << Duration{54min};
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
