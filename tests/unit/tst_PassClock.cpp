// A worker's clock: outside a pass it follows the base clock; within one it keeps the first reading
// of each kind, and a new pass takes new ones. Timers are the base clock's.
#include "eventloop/PassClock.h"

#include "support/FakeClock.h"

#include <QObject>
#include <QTest>

using namespace std::chrono_literals;
using aap::eventloop::PassClock;
using aap::test::FakeClock;

class tst_PassClock : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void outsideAPassEveryReadingIsTheBaseClocks()
    {
        FakeClock base;
        PassClock clock(base);
        const auto steady = clock.steadyNow();
        const auto wall = clock.now();
        base.advance(5ms);
        QCOMPARE(clock.steadyNow() - steady, 5ms);
        QCOMPARE(clock.now() - wall, 5ms);

        clock.beginPass();
        clock.endPass();
        base.advance(5ms);
        QCOMPARE(clock.steadyNow() - steady, 10ms);
        QCOMPARE(clock.now() - wall, 10ms);
    }

    void withinAPassTheFirstReadingHolds()
    {
        FakeClock base;
        PassClock clock(base);
        clock.beginPass();
        const auto steady = clock.steadyNow();
        base.advance(3ms);
        // Each kind is read when first asked for, not when the pass began.
        const auto wall = clock.now();
        QCOMPARE(wall, base.now());
        base.advance(3ms);
        QCOMPARE(clock.steadyNow(), steady);
        QCOMPARE(clock.now(), wall);
        clock.endPass();
        QCOMPARE(clock.steadyNow() - steady, 6ms);
    }

    void aNewPassReadsAgain()
    {
        FakeClock base;
        PassClock clock(base);
        clock.beginPass();
        const auto steady = clock.steadyNow();
        const auto wall = clock.now();
        base.advance(7ms);
        clock.beginPass(); // a nested loop's pass, or one whose end was not marked
        QCOMPARE(clock.steadyNow() - steady, 7ms);
        QCOMPARE(clock.now() - wall, 7ms);
    }

    void timersAreTheBaseClocks()
    {
        FakeClock base;
        PassClock clock(base);
        int fired = 0;
        clock.startTimer(10ms, [&] { ++fired; });
        const auto cancelled = clock.startTimer(10ms, [&] { fired += 100; });
        clock.cancel(cancelled);
        QCOMPARE(base.pendingTimers(), std::size_t{1});
        base.advance(10ms);
        QCOMPARE(fired, 1);
    }
};

QTEST_GUILESS_MAIN(tst_PassClock)
#include "tst_PassClock.moc"
