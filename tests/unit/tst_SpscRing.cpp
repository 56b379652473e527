// The span hand-off between a worker and the exporter: SpscRing (bounded, FIFO, one producer and
// one consumer thread) and SpanProducer, which counts what a full ring made it drop.
#include "telemetry/SpscRing.h"
#include "telemetry/Tracer.h"

#include <QTest>

#include <thread>

using aap::telemetry::ExchangeRecord;
using aap::telemetry::SpanProducer;
using aap::telemetry::SpscRing;
using aap::telemetry::Tracer;

namespace {

bool push(SpscRing<std::uint64_t> &ring, std::uint64_t value)
{
    std::uint64_t *slot = ring.claim();
    if (slot == nullptr)
        return false;
    *slot = value;
    ring.publish();
    return true;
}

std::optional<std::uint64_t> take(SpscRing<std::uint64_t> &ring)
{
    const std::uint64_t *slot = ring.front();
    if (slot == nullptr)
        return std::nullopt;
    const std::uint64_t value = *slot;
    ring.pop();
    return value;
}

} // namespace

class tst_SpscRing : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void boundedCapacity()
    {
        SpscRing<std::uint64_t> ring(4);
        QCOMPARE(ring.capacity(), std::size_t{4});
        QVERIFY(ring.front() == nullptr);
        for (std::uint64_t i = 0; i < 4; ++i)
            QVERIFY(push(ring, i));
        QVERIFY(ring.claim() == nullptr);
        QVERIFY(!push(ring, 99));
        // One pop frees exactly one slot.
        QCOMPARE(take(ring), std::optional<std::uint64_t>(0));
        QVERIFY(push(ring, 4));
        QVERIFY(ring.claim() == nullptr);
    }

    void fifoAcrossWrapAround()
    {
        SpscRing<std::uint64_t> ring(3);
        std::uint64_t next = 0;
        std::uint64_t expected = 0;
        // Many laps of a small ring, with fill levels from one to full.
        for (int lap = 0; lap < 100; ++lap) {
            const int fill = 1 + lap % 3;
            for (int i = 0; i < fill; ++i)
                QVERIFY(push(ring, next++));
            for (int i = 0; i < fill; ++i)
                QCOMPARE(take(ring), std::optional<std::uint64_t>(expected++));
            QVERIFY(ring.front() == nullptr);
        }
    }

    void claimWithoutPublishIsInvisible()
    {
        SpscRing<std::uint64_t> ring(2);
        std::uint64_t *slot = ring.claim();
        QVERIFY(slot != nullptr);
        *slot = 5;
        QVERIFY(ring.front() == nullptr);
        // Claiming again without publishing hands out the same slot: an abandoned claim costs nothing.
        QCOMPARE(ring.claim(), slot);
        ring.publish();
        QCOMPARE(take(ring), std::optional<std::uint64_t>(5));
    }

    void producerCountsDropsWhenFull()
    {
        SpanProducer producer(2);
        for (int i = 0; i < 2; ++i) {
            QVERIFY(producer.claim() != nullptr);
            producer.publish();
        }
        QCOMPARE(producer.dropped(), std::uint64_t{0});
        for (int i = 0; i < 5; ++i)
            QVERIFY(producer.claim() == nullptr);
        QCOMPARE(producer.dropped(), std::uint64_t{5});
    }

    // The exporter drains two spans per record (server and client) and frees the slots; drops of
    // every producer add up in the Tracer.
    void tracerDrainsAndSumsDrops()
    {
        Tracer::Settings settings;
        settings.enabled = true;
        settings.queueCapacity = 2;
        Tracer tracer(settings);
        SpanProducer &first = tracer.addProducer();
        SpanProducer &second = tracer.addProducer();
        for (SpanProducer *producer : {&first, &second}) {
            for (int i = 0; i < 3; ++i) {
                ExchangeRecord *record = producer->claim();
                if (record == nullptr)
                    continue;
                record->method.assign("GET");
                record->upstreamStartNanos = 1; // with a client span
                producer->publish();
            }
        }
        QCOMPARE(tracer.dropped(), std::uint64_t{2});
        QCOMPARE(tracer.drain(100).size(), std::size_t{8});
        QVERIFY(tracer.drain(100).empty());
        QVERIFY(first.claim() != nullptr);
        QCOMPARE(tracer.dropped(), std::uint64_t{2});
    }

    // One producer and one consumer thread, a fixed number of values: the consumer sees a strictly
    // increasing sequence (FIFO, no value torn or seen twice), and what it got plus what the
    // producer dropped is everything sent.
    void twoThreadStress()
    {
        constexpr std::uint64_t kCount = 200'000;
        SpscRing<std::uint64_t> ring(64);
        std::uint64_t dropped = 0;
        std::uint64_t received = 0;
        bool ordered = true;
        std::atomic<bool> done{false};
        std::thread consumer([&] {
            std::uint64_t last = 0;
            bool first = true;
            for (;;) {
                const bool finished = done.load(std::memory_order_acquire);
                while (const auto value = take(ring)) {
                    ordered = ordered && (first || *value > last);
                    first = false;
                    last = *value;
                    ++received;
                }
                if (finished)
                    return;
                std::this_thread::yield();
            }
        });
        for (std::uint64_t i = 1; i <= kCount; ++i) {
            if (!push(ring, i))
                ++dropped;
        }
        done.store(true, std::memory_order_release);
        consumer.join();
        QVERIFY(ordered);
        QCOMPARE(received + dropped, kCount);
        QVERIFY(received > 0);
    }

    // The same with a producer that waits instead of dropping: every value arrives, in order.
    void twoThreadStressLossless()
    {
        constexpr std::uint64_t kCount = 100'000;
        SpscRing<std::uint64_t> ring(16);
        std::uint64_t mismatches = 0;
        std::thread consumer([&] {
            for (std::uint64_t expected = 1; expected <= kCount;) {
                if (const auto value = take(ring)) {
                    mismatches += *value != expected ? 1 : 0;
                    ++expected;
                } else {
                    std::this_thread::yield();
                }
            }
        });
        for (std::uint64_t i = 1; i <= kCount; ++i) {
            while (!push(ring, i))
                std::this_thread::yield();
        }
        consumer.join();
        QCOMPARE(mismatches, std::uint64_t{0});
        QVERIFY(ring.front() == nullptr);
    }
};

QTEST_APPLESS_MAIN(tst_SpscRing)
#include "tst_SpscRing.moc"
