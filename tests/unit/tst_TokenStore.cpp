#include "auth/TokenReader.h"
#include "auth/TokenStore.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using aap::auth::TokenReader;
using aap::auth::TokenSnapshot;
using aap::auth::TokenStore;
using TimePoint = std::chrono::system_clock::time_point;

namespace {

const TimePoint kNow{std::chrono::seconds{1'800'000'000}};

// Snapshot n carries "Bearer token-<n>" and usableUntil = kNow + n hours, so a reader can tell a
// torn or mixed-up snapshot from a consistent one.
TokenSnapshot snapshotNumber(int n)
{
    return TokenSnapshot{QByteArrayLiteral("Bearer token-") + QByteArray::number(n),
                         kNow + std::chrono::hours{n}};
}

bool isConsistent(const TokenSnapshot &snapshot)
{
    const auto hours = std::chrono::duration_cast<std::chrono::hours>(snapshot.usableUntil - kNow).count();
    return snapshot.authorization == QByteArrayLiteral("Bearer token-") + QByteArray::number(hours);
}

// Receives changed() in another thread.
class Listener : public QObject {
    Q_OBJECT

public:
    std::atomic<int> calls{0};
    std::atomic<bool> onOwnThread{false};

public Q_SLOTS:
    void onChanged()
    {
        onOwnThread = QThread::currentThread() == thread();
        ++calls;
    }
};

} // namespace

class tst_TokenStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void publishAndClearBumpGenerationAndSignal()
    {
        TokenStore store;
        QSignalSpy changed(&store, &TokenStore::changed);
        QVERIFY(!store.snapshot());
        const auto g0 = store.generation();
        store.publish(snapshotNumber(1));
        QCOMPARE(store.generation(), g0 + 1);
        QVERIFY(store.snapshot() && isConsistent(*store.snapshot()));
        store.clear();
        QCOMPARE(store.generation(), g0 + 2);
        QVERIFY(!store.snapshot());
        QCOMPARE(changed.count(), 2);
    }

    void readerCachesUntilGenerationChanges()
    {
        TokenStore store;
        TokenReader reader(store);
        QVERIFY(reader.current(kNow) == nullptr);
        store.publish(snapshotNumber(1));
        const TokenSnapshot *first = reader.current(kNow);
        QVERIFY(first != nullptr);
        QVERIFY(reader.current(kNow) == first); // same object: no re-read
        // Past its usable time the reader refuses it, even before the store is cleared.
        QVERIFY(reader.current(kNow + 1h) == nullptr);
        store.publish(snapshotNumber(2));
        const TokenSnapshot *second = reader.current(kNow);
        QVERIFY(second != nullptr && second != first);
        QVERIFY(second->authorization == QByteArrayLiteral("Bearer token-2"));
        store.clear();
        QVERIFY(reader.current(kNow) == nullptr);
    }

    // changed() reaches an object on another thread through Qt's automatic (queued) connection,
    // as requests waiting for their first token use it.
    void changedReachesOtherThreads()
    {
        TokenStore store;
        QThread worker;
        Listener listener;
        listener.moveToThread(&worker);
        connect(&store, &TokenStore::changed, &listener, &Listener::onChanged);
        worker.start();
        store.publish(snapshotNumber(1));
        store.clear();
        QTRY_COMPARE_WITH_TIMEOUT(listener.calls.load(), 2, 5000);
        QVERIFY(listener.onOwnThread);
        worker.quit();
        QVERIFY(worker.wait(5000));
    }

    void unauthorizedReportsFromThreadsAreCoalesced()
    {
        TokenStore store;
        QSignalSpy reported(&store, &TokenStore::unauthorizedReported);
        std::vector<std::thread> threads;
        threads.reserve(4);
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&store] {
                for (int i = 0; i < 250; ++i) {
                    store.reportUnauthorized();
                }
            });
        }
        for (auto &thread : threads) {
            thread.join();
        }
        QCOMPARE(store.unauthorizedReports(), std::uint64_t{1000});
        QTRY_VERIFY_WITH_TIMEOUT(reported.count() >= 1, 5000);
        QCoreApplication::processEvents();
        QCOMPARE(reported.count(), 1); // all 1000 were queued while the first was pending
        store.reportUnauthorized();
        QTRY_COMPARE_WITH_TIMEOUT(reported.count(), 2, 5000);
    }

    void statusIsACopy()
    {
        TokenStore store;
        QSignalSpy statusChanged(&store, &TokenStore::statusChanged);
        aap::status::TokenStatus status;
        status.audience = QStringLiteral("https://monitor.azure.com");
        status.state = aap::status::TokenStatus::State::Valid;
        store.setStatus(status);
        QCOMPARE(statusChanged.count(), 1);
        QVERIFY(store.status() == status);
    }

    // Readers on several threads while the store publishes and clears: every snapshot a reader
    // sees is one that was published, whole (a short, bounded stress for correctness only).
    void concurrentReadersNeverSeeTornSnapshots()
    {
        constexpr int kReaders = 4;
        TokenStore store;
        store.publish(snapshotNumber(1));
        std::atomic<bool> stop{false};
        std::atomic<int> bad{0};
        std::atomic<long> reads{0};
        std::atomic<int> started{0};
        std::vector<std::thread> readers;
        readers.reserve(kReaders);
        for (int t = 0; t < kReaders; ++t) {
            readers.emplace_back([&] {
                TokenReader reader(store);
                long local = 0;
                ++started;
                // do-while: on a loaded machine a reader may first run after the writer is done,
                // and it must still read at least once.
                do {
                    if (const TokenSnapshot *snapshot = reader.current(kNow);
                        snapshot && !isConsistent(*snapshot)) {
                        ++bad;
                    }
                    ++local;
                } while (!stop.load(std::memory_order_relaxed));
                reads += local;
            });
        }
        // Publishing before the readers run would test nothing; waiting is bounded by thread start-up.
        while (started.load() < kReaders) {
            std::this_thread::yield();
        }
        for (int n = 2; n <= 20'000; ++n) {
            if (n % 97 == 0) {
                store.clear();
            } else {
                store.publish(snapshotNumber(n));
            }
        }
        stop = true;
        for (auto &reader : readers) {
            reader.join();
        }
        QCOMPARE(bad.load(), 0);
        QVERIFY(reads.load() >= kReaders);
    }
};

QTEST_GUILESS_MAIN(tst_TokenStore)
#include "tst_TokenStore.moc"
