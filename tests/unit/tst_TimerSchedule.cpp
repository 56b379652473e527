// The epoll dispatcher's timers: order, periods, a loop that fell behind, timers stopped or restarted
// from a handler, and how long the loop may sleep. Times are passed in.
#include "eventloop/TimerSchedule.h"

#include <QObject>
#include <QTest>

using namespace std::chrono_literals;
using aap::eventloop::TimerSchedule;

class tst_TimerSchedule : public QObject {
    Q_OBJECT

    static constexpr TimerSchedule::TimePoint kStart{std::chrono::hours(1)};

    static QList<int> ids(const std::vector<TimerSchedule::Due> &due)
    {
        QList<int> list;
        for (const auto &timer : due) {
            list.append(timer.id);
        }
        return list;
    }

private Q_SLOTS:
    void nothingToWaitFor()
    {
        const TimerSchedule schedule;
        QVERIFY(!schedule.sleepLimit(kStart).has_value());
        QCOMPARE(schedule.remainingMs(7, kStart), -1);
    }

    void dueEarliestFirst()
    {
        TimerSchedule schedule;
        QObject a;
        QObject b;
        schedule.add(1, 30ms, Qt::PreciseTimer, &a, kStart);
        schedule.add(2, 10ms, Qt::PreciseTimer, &b, kStart);
        QCOMPARE(*schedule.sleepLimit(kStart), 10ms);
        QVERIFY(schedule.takeDue(kStart + 9ms).empty());
        QCOMPARE(ids(schedule.takeDue(kStart + 40ms)), (QList<int>{2, 1}));
        QCOMPARE(schedule.takeDue(kStart + 40ms).size(), std::size_t{0}); // firing until finished
    }

    void periodKeptAndMissedTicksSkipped()
    {
        TimerSchedule schedule;
        QObject object;
        schedule.add(1, 100ms, Qt::PreciseTimer, &object, kStart);
        QCOMPARE(ids(schedule.takeDue(kStart + 103ms)), QList<int>{1});
        schedule.finished(1);
        // The next tick keeps the period (200 ms from the start), not 100 ms from the late firing.
        QCOMPARE(schedule.remainingMs(1, kStart + 103ms), 97);
        // Fallen behind by several periods: one firing, then a full period from now.
        QCOMPARE(ids(schedule.takeDue(kStart + 750ms)), QList<int>{1});
        schedule.finished(1);
        QCOMPARE(schedule.remainingMs(1, kStart + 750ms), 100);
    }

    void firingTimerIsNotRefiredNorWaitedFor()
    {
        TimerSchedule schedule;
        QObject object;
        schedule.add(1, 0ms, Qt::PreciseTimer, &object, kStart);
        QCOMPARE(*schedule.sleepLimit(kStart), 0ms);
        QCOMPARE(ids(schedule.takeDue(kStart)), QList<int>{1});
        QVERIFY(schedule.isFiring(1));
        // A nested loop inside its handler neither fires it again nor spins for it.
        QVERIFY(schedule.takeDue(kStart + 1ms).empty());
        QVERIFY(!schedule.sleepLimit(kStart + 1ms).has_value());
        schedule.finished(1);
        QVERIFY(!schedule.isFiring(1));
        QCOMPARE(*schedule.sleepLimit(kStart + 1ms), 0ms); // a zero timer fires on every pass
    }

    void stoppedOrRestartedFromAHandler()
    {
        TimerSchedule schedule;
        QObject object;
        schedule.add(1, 10ms, Qt::PreciseTimer, &object, kStart);
        schedule.add(2, 10ms, Qt::PreciseTimer, &object, kStart);
        const auto due = schedule.takeDue(kStart + 10ms);
        QCOMPARE(due.size(), std::size_t{2});
        // Timer 1's handler stops timer 2 and starts a new one that gets id 2 again.
        QVERIFY(schedule.remove(2));
        schedule.add(2, 50ms, Qt::PreciseTimer, &object, kStart + 10ms);
        QVERIFY(!schedule.isFiring(2)); // the dispatcher skips it: the new timer is not due
        QCOMPARE(schedule.remainingMs(2, kStart + 10ms), 50);
    }

    void removeAllOfAnObject()
    {
        TimerSchedule schedule;
        QObject a;
        QObject b;
        schedule.add(1, 10ms, Qt::CoarseTimer, &a, kStart);
        schedule.add(2, 20ms, Qt::VeryCoarseTimer, &b, kStart);
        schedule.add(3, 30ms, Qt::PreciseTimer, &a, kStart);
        const auto timers = schedule.timersOf(&a);
        QCOMPARE(timers.size(), 2);
        QCOMPARE(timers.at(1).timerId, 3);
        QCOMPARE(timers.at(1).interval, 30);
        QCOMPARE(timers.at(1).timerType, Qt::PreciseTimer);
        QVERIFY(schedule.removeAllOf(&a));
        QVERIFY(!schedule.removeAllOf(&a));
        QCOMPARE(ids(schedule.takeDue(kStart + 1s)), QList<int>{2});
        QVERIFY(!schedule.remove(1));
    }

    void sleepRoundsUp()
    {
        TimerSchedule schedule;
        QObject object;
        schedule.add(1, 10ms, Qt::PreciseTimer, &object, kStart);
        // 9.5 ms left: sleeping 9 ms would wake to find nothing due.
        QCOMPARE(*schedule.sleepLimit(kStart + 500us), 10ms);
        QCOMPARE(*schedule.sleepLimit(kStart + 1s), 0ms);
    }
};

QTEST_GUILESS_MAIN(tst_TimerSchedule)
#include "tst_TimerSchedule.moc"
