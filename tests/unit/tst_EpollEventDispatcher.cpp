// The proxy workers' epoll dispatcher, on a thread of its own as in the proxy: calls posted from
// other threads and from the loop itself, timers, read and write notifiers (level-triggered, a full
// socket not reported writable), a descriptor number reused after a close, and quitting a loop that
// sleeps with nothing to do, and the passes it marks on a worker's PassClock.
#include "eventloop/EpollEventDispatcher.h"

#include "eventloop/PassClock.h"
#include "support/FakeClock.h"

#include <QtGlobal>

#ifdef Q_OS_LINUX

#include <QAbstractEventDispatcher>
#include <QPointer>
#include <QScopeGuard>
#include <QSocketNotifier>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>

using aap::eventloop::EpollEventDispatcher;
using aap::eventloop::PassClock;

namespace {

// Every reading a nanosecond after the last, so two readings are equal only if one was shared.
class CountingClock final : public aap::Clock {
public:
    [[nodiscard]] TimePoint now() const override { return TimePoint{} + next(); }
    [[nodiscard]] SteadyTimePoint steadyNow() const override { return SteadyTimePoint{} + next(); }
    TimerId startTimer(Duration delay, std::function<void()> callback) override
    {
        return m_timers.startTimer(delay, std::move(callback));
    }
    void cancel(TimerId id) override { m_timers.cancel(id); }

private:
    std::chrono::nanoseconds next() const { return std::chrono::nanoseconds{++m_readings}; }

    mutable std::atomic<std::int64_t> m_readings{0};
    aap::test::FakeClock m_timers;
};

struct SocketPair {
    int near = -1;
    int far = -1;

    SocketPair()
    {
        int ends[2] = {-1, -1};
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ends) == 0) {
            near = ends[0];
            far = ends[1];
        }
    }
    ~SocketPair() { closeBoth(); }
    SocketPair(const SocketPair &) = delete;
    SocketPair &operator=(const SocketPair &) = delete;

    void closeBoth()
    {
        if (near >= 0) {
            ::close(near);
        }
        if (far >= 0) {
            ::close(far);
        }
        near = far = -1;
    }
};

bool sendByte(int descriptor)
{
    const char byte = 'x';
    return ::send(descriptor, &byte, 1, MSG_NOSIGNAL) == 1;
}

// Fills the send buffer until the kernel refuses more.
void fill(int descriptor)
{
    const QByteArray chunk(64 * 1024, 'x');
    while (::send(descriptor, chunk.constData(), static_cast<std::size_t>(chunk.size()), MSG_NOSIGNAL) > 0) {
    }
}

void drain(int descriptor)
{
    QByteArray buffer(64 * 1024, '\0');
    while (::recv(descriptor, buffer.data(), static_cast<std::size_t>(buffer.size()), 0) > 0) {
    }
}

} // namespace

class tst_EpollEventDispatcher : public QObject {
    Q_OBJECT

    CountingClock m_baseClock;
    PassClock m_passClock{m_baseClock}; // read on the loop thread only
    std::unique_ptr<QThread> m_thread;
    std::unique_ptr<QObject> m_context; // lives on the loop thread

    // Runs a function on the loop thread and waits for it.
    template <typename Function> void onLoop(Function function)
    {
        QMetaObject::invokeMethod(m_context.get(), function, Qt::BlockingQueuedConnection);
    }

private Q_SLOTS:
    void init()
    {
        m_thread = std::make_unique<QThread>();
        auto dispatcher = EpollEventDispatcher::create();
        QVERIFY(dispatcher != nullptr);
        dispatcher->setPassClock(&m_passClock);
        m_thread->setEventDispatcher(dispatcher.release());
        m_context = std::make_unique<QObject>();
        m_context->moveToThread(m_thread.get());
        m_thread->start();
    }

    void cleanup()
    {
        if (m_thread->isRunning()) {
            onLoop([&] { m_context.reset(); }); // its timers are stopped on their own thread
        }
        m_thread->quit();
        QVERIFY(m_thread->wait(5000));
        m_context.reset();
        m_thread.reset();
    }

    void isTheThreadsDispatcher()
    {
        QAbstractEventDispatcher *seen = nullptr;
        onLoop([&] { seen = QAbstractEventDispatcher::instance(); });
        QVERIFY(dynamic_cast<EpollEventDispatcher *>(seen) != nullptr);
    }

    void postedCallsRunFromAnyThread()
    {
        std::atomic<int> calls{0};
        // From this thread, then a chain the loop posts to itself: each needs a pass that does
        // not sleep, with no other event to wake it.
        QMetaObject::invokeMethod(
            m_context.get(),
            [&] {
                ++calls;
                QMetaObject::invokeMethod(
                    m_context.get(),
                    [&] {
                        ++calls;
                        QMetaObject::invokeMethod(
                            m_context.get(), [&] { ++calls; }, Qt::QueuedConnection);
                    },
                    Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(calls.load(), 3, 5000);
        for (int i = 0; i < 1000; ++i) {
            QMetaObject::invokeMethod(
                m_context.get(), [&] { ++calls; }, Qt::QueuedConnection);
        }
        QTRY_COMPARE_WITH_TIMEOUT(calls.load(), 1003, 5000);
    }

    void deleteLaterRuns()
    {
        QPointer<QObject> doomed;
        onLoop([&] {
            doomed = new QObject;
            doomed->deleteLater();
        });
        QTRY_VERIFY_WITH_TIMEOUT(doomed.isNull(), 5000);
    }

    void timersFireInOrderAndRepeat()
    {
        std::atomic<int> order{0};
        std::atomic<int> late{0};
        std::atomic<int> early{0};
        std::atomic<int> ticks{0};
        QTimer *repeating = nullptr;
        onLoop([&] {
            QTimer::singleShot(60, Qt::PreciseTimer, m_context.get(), [&] { late = ++order; });
            QTimer::singleShot(20, Qt::PreciseTimer, m_context.get(), [&] { early = ++order; });
            repeating = new QTimer(m_context.get());
            repeating->setInterval(5);
            QObject::connect(repeating, &QTimer::timeout, m_context.get(), [&] {
                if (++ticks == 3) {
                    repeating->stop(); // stopped from its own handler
                }
            });
            repeating->start();
        });
        QTRY_COMPARE_WITH_TIMEOUT(late.load(), 2, 5000);
        QCOMPARE(early.load(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(ticks.load(), 3, 5000);
        QTest::qWait(50);
        QCOMPARE(ticks.load(), 3);
        int remaining = 0;
        onLoop([&] {
            repeating->setInterval(10'000);
            repeating->start();
            remaining = repeating->remainingTime();
        });
        QVERIFY2(remaining > 9'000 && remaining <= 10'000, QByteArray::number(remaining).constData());
    }

    void readNotifierIsLevelTriggered()
    {
        SocketPair pair;
        QVERIFY(pair.near >= 0);
        std::atomic<int> activations{0};
        std::unique_ptr<QSocketNotifier> notifier;
        onLoop([&] {
            notifier = std::make_unique<QSocketNotifier>(pair.near, QSocketNotifier::Read);
            QObject::connect(notifier.get(), &QSocketNotifier::activated, notifier.get(), [&] {
                // Left unread the first time: the byte must be reported again.
                if (++activations == 2) {
                    char byte = 0;
                    QCOMPARE(::recv(pair.near, &byte, 1, 0), 1);
                }
            });
        });
        QTest::qWait(50);
        QCOMPARE(activations.load(), 0);
        QVERIFY(sendByte(pair.far));
        QTRY_COMPARE_WITH_TIMEOUT(activations.load(), 2, 5000);
        QTest::qWait(50);
        QCOMPARE(activations.load(), 2); // read: nothing is left to report
        onLoop([&] { notifier.reset(); });
    }

    void fullSocketIsNotReportedWritable()
    {
        SocketPair pair;
        QVERIFY(pair.near >= 0);
        fill(pair.near);
        std::atomic<int> activations{0};
        std::atomic<bool> writable{false};
        std::unique_ptr<QSocketNotifier> notifier;
        onLoop([&] {
            notifier = std::make_unique<QSocketNotifier>(pair.near, QSocketNotifier::Write);
            QObject::connect(notifier.get(), &QSocketNotifier::activated, notifier.get(), [&] {
                ++activations;
                const char byte = 'x';
                if (::send(pair.near, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
                    writable = true;
                    notifier->setEnabled(false);
                }
            });
        });
        // Quiet while the buffer is full: no spinning on a socket that cannot take more.
        QTest::qWait(200);
        QCOMPARE(activations.load(), 0);
        QVERIFY(!writable.load());
        drain(pair.far);
        QTRY_VERIFY_WITH_TIMEOUT(writable.load(), 5000);
        const int seen = activations.load();
        QTest::qWait(50);
        QCOMPARE(activations.load(), seen); // switched off: no more activations
        onLoop([&] { notifier.reset(); });
    }

    void writeNotifierSwitchedOnAndOffAgain()
    {
        SocketPair pair;
        QVERIFY(pair.near >= 0);
        std::atomic<int> activations{0};
        std::unique_ptr<QSocketNotifier> notifier;
        onLoop([&] {
            notifier = std::make_unique<QSocketNotifier>(pair.near, QSocketNotifier::Write);
            QObject::connect(notifier.get(), &QSocketNotifier::activated, notifier.get(), [&] {
                ++activations;
                notifier->setEnabled(false);
            });
        });
        QTRY_COMPARE_WITH_TIMEOUT(activations.load(), 1, 5000);
        for (int round = 2; round <= 20; ++round) {
            onLoop([&] { notifier->setEnabled(true); });
            QTRY_COMPARE_WITH_TIMEOUT(activations.load(), round, 5000);
        }
        onLoop([&] { notifier.reset(); });
    }

    void reusedDescriptorNumberIsWatched()
    {
        auto first = std::make_unique<SocketPair>();
        QVERIFY(first->near >= 0);
        const int number = first->near;
        std::unique_ptr<QSocketNotifier> notifier;
        std::atomic<int> activations{0};
        onLoop([&] {
            notifier = std::make_unique<QSocketNotifier>(first->near, QSocketNotifier::Read);
            notifier.reset(); // switched off, then the descriptor closes, as Qt does
        });
        first->closeBoth();
        SocketPair second; // the lowest free numbers: the same ones
        QCOMPARE(second.near, number);
        onLoop([&] {
            notifier = std::make_unique<QSocketNotifier>(second.near, QSocketNotifier::Read);
            QObject::connect(notifier.get(), &QSocketNotifier::activated, notifier.get(), [&] {
                char byte = 0;
                if (::recv(second.near, &byte, 1, 0) == 1) {
                    ++activations;
                }
            });
        });
        QVERIFY(sendByte(second.far));
        QTRY_COMPARE_WITH_TIMEOUT(activations.load(), 1, 5000);
        onLoop([&] { notifier.reset(); });
    }

    void descriptorsFarApartAreWatched()
    {
        // The table of watches grows to the highest number registered; a low one registered
        // after a high one, and the high one after the low one is gone, still work.
        SocketPair pair;
        QVERIFY(pair.near >= 0);
        const int high = ::fcntl(pair.near, F_DUPFD_CLOEXEC, 900);
        QVERIFY2(high >= 900, std::strerror(errno));
        const auto closeHigh = qScopeGuard([high] { ::close(high); });
        std::atomic<int> lowReads{0};
        std::atomic<int> highReads{0};
        std::unique_ptr<QSocketNotifier> highNotifier;
        std::unique_ptr<QSocketNotifier> lowNotifier;
        const auto notifiersGone = qScopeGuard([&] {
            onLoop([&] {
                highNotifier.reset();
                lowNotifier.reset();
            });
        });
        // Both numbers name one socket: whichever notifier is on reads the byte.
        const auto watch = [&](std::unique_ptr<QSocketNotifier> &notifier, int descriptor,
                               std::atomic<int> &reads) {
            notifier = std::make_unique<QSocketNotifier>(descriptor, QSocketNotifier::Read);
            QObject::connect(notifier.get(), &QSocketNotifier::activated, notifier.get(),
                             [&reads, descriptor] {
                                 char byte = 0;
                                 if (::recv(descriptor, &byte, 1, MSG_DONTWAIT) == 1) {
                                     ++reads;
                                 }
                             });
        };
        onLoop([&] { watch(highNotifier, high, highReads); });
        QVERIFY(sendByte(pair.far));
        QTRY_COMPARE_WITH_TIMEOUT(highReads.load(), 1, 5000);
        onLoop([&] {
            highNotifier.reset();
            watch(lowNotifier, pair.near, lowReads);
        });
        QVERIFY(sendByte(pair.far));
        QTRY_COMPARE_WITH_TIMEOUT(lowReads.load(), 1, 5000);
        onLoop([&] {
            lowNotifier.reset();
            watch(highNotifier, high, highReads);
        });
        QVERIFY(sendByte(pair.far));
        QTRY_COMPARE_WITH_TIMEOUT(highReads.load(), 2, 5000);
        QCOMPARE(lowReads.load(), 1);
    }

    void hangUpReachesTheReadNotifier()
    {
        SocketPair pair;
        QVERIFY(pair.near >= 0);
        std::atomic<bool> sawEnd{false};
        std::unique_ptr<QSocketNotifier> notifier;
        onLoop([&] {
            notifier = std::make_unique<QSocketNotifier>(pair.near, QSocketNotifier::Read);
            QObject::connect(notifier.get(), &QSocketNotifier::activated, notifier.get(), [&] {
                char byte = 0;
                if (::recv(pair.near, &byte, 1, 0) == 0) {
                    sawEnd = true;
                    notifier->setEnabled(false);
                }
            });
        });
        ::close(pair.far);
        pair.far = -1;
        QTRY_VERIFY_WITH_TIMEOUT(sawEnd.load(), 5000);
        onLoop([&] { notifier.reset(); });
    }

    void aPassSharesOneReading()
    {
        SocketPair first;
        SocketPair second;
        QVERIFY(first.near >= 0 && second.near >= 0);
        struct Readings {
            aap::Clock::SteadyTimePoint steady;
            aap::Clock::TimePoint wall;
        };
        std::vector<Readings> readings; // touched on the loop thread, read here after onLoop()
        const auto readTwice = [&] {
            for (int i = 0; i < 2; ++i) {
                readings.push_back({m_passClock.steadyNow(), m_passClock.now()});
            }
        };
        std::unique_ptr<QSocketNotifier> firstNotifier;
        std::unique_ptr<QSocketNotifier> secondNotifier;
        const auto notifiersGone = qScopeGuard([&] {
            onLoop([&] {
                firstNotifier.reset();
                secondNotifier.reset();
            });
        });
        std::atomic<int> handled{0};
        onLoop([&] {
            for (auto [pair, notifier] :
                 {std::pair{&first, &firstNotifier}, std::pair{&second, &secondNotifier}}) {
                *notifier = std::make_unique<QSocketNotifier>(pair->near, QSocketNotifier::Read);
                QObject::connect(notifier->get(), &QSocketNotifier::activated, notifier->get(), [&, pair] {
                    char byte = 0;
                    QCOMPARE(::recv(pair->near, &byte, 1, 0), 1);
                    readTwice();
                    if (++handled == 1) {
                        QTimer::singleShot(1, Qt::PreciseTimer, m_context.get(), [&] {
                            readTwice();
                            ++handled;
                        });
                    }
                });
            }
            // Posted calls run before the loop waits: both sockets are ready when it does, so one
            // pass reports both.
            QVERIFY(sendByte(first.far));
            QVERIFY(sendByte(second.far));
        });
        QTRY_COMPARE_WITH_TIMEOUT(handled.load(), 3, 5000);
        onLoop([&] { readTwice(); }); // a posted call: outside any pass

        QCOMPARE(readings.size(), std::size_t{8});
        // Both sockets' handlers shared the first reading of their pass...
        for (std::size_t i = 1; i < 4; ++i) {
            QCOMPARE(readings[i].steady, readings[0].steady);
            QCOMPARE(readings[i].wall, readings[0].wall);
        }
        // ...a timer, which runs in a later pass, shared a newer one...
        QVERIFY(readings[4].steady > readings[0].steady);
        QCOMPARE(readings[5].steady, readings[4].steady);
        QCOMPARE(readings[5].wall, readings[4].wall);
        // ...and outside a pass every reading is new.
        QVERIFY(readings[6].steady > readings[4].steady);
        QVERIFY(readings[7].steady > readings[6].steady);
        QVERIFY(readings[7].wall > readings[6].wall);
    }

    void quitWakesAnIdleLoop()
    {
        // cleanup() quits it too; here the loop has slept with no timer and no descriptor.
        QTest::qWait(100);
        m_thread->quit();
        QVERIFY(m_thread->wait(2000));
    }
};

QTEST_GUILESS_MAIN(tst_EpollEventDispatcher)

#else

#include <QTest>

class tst_EpollEventDispatcher : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void linuxOnly() { QSKIP("the epoll dispatcher exists on Linux only"); }
};

QTEST_GUILESS_MAIN(tst_EpollEventDispatcher)

#endif

#include "tst_EpollEventDispatcher.moc"
