#include "support/FakeClock.h"

#include <QTest>

using namespace std::chrono_literals;

class tst_FakeClock : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void firesTimersInDueOrder()
    {
        aap::test::FakeClock clock;
        const auto start = clock.now();
        QList<int> fired;
        clock.startTimer(300ms, [&] { fired << 3; });
        clock.startTimer(100ms, [&] {
            fired << 1;
            QCOMPARE(clock.now(), start + 100ms);
        });
        const auto cancelled = clock.startTimer(200ms, [&] { fired << 2; });
        clock.cancel(cancelled);
        clock.advance(250ms);
        QCOMPARE(fired, QList<int>{1});
        QCOMPARE(clock.now(), start + 250ms);
        clock.advance(50ms);
        QCOMPARE(fired, (QList<int>{1, 3}));
        QCOMPARE(clock.pendingTimers(), std::size_t{0});
    }

    void timerStartedInCallbackFiresInSameAdvance()
    {
        aap::test::FakeClock clock;
        int count = 0;
        clock.startTimer(10ms, [&] {
            ++count;
            clock.startTimer(10ms, [&] { ++count; });
        });
        clock.advance(20ms);
        QCOMPARE(count, 2);
    }
};

QTEST_GUILESS_MAIN(tst_FakeClock)
#include "tst_FakeClock.moc"
