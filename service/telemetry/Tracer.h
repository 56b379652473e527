#pragma once

#include "telemetry/IdGenerator.h"
#include "telemetry/Sampler.h"
#include "telemetry/SpanData.h"
#include "telemetry/SpscRing.h"

#include <QByteArray>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace aap::telemetry {

// One producer thread's hand-off to the exporter: a bounded ring of exchange records and the count
// of records it had to drop because the ring was full (exporter slow, collector down).
class SpanProducer {
public:
    explicit SpanProducer(std::size_t capacity) : m_ring(capacity) {}

    // A slot to fill then publish(), or nullptr (the drop is already counted).
    [[nodiscard]] ExchangeRecord *claim() noexcept
    {
        ExchangeRecord *slot = m_ring.claim();
        if (slot == nullptr) {
            m_dropped.store(m_dropped.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        }
        return slot;
    }
    void publish() noexcept { m_ring.publish(); }
    // The producer is gone (its worker ended with a reload or shutdown): once the exporter has
    // drained what it left, the Tracer frees the queue, so reloads do not pile up queues.
    void retire() noexcept { m_retired.store(true, std::memory_order_release); }
    [[nodiscard]] std::uint64_t dropped() const noexcept { return m_dropped.load(std::memory_order_relaxed); }

private:
    friend class Tracer;
    SpscRing<ExchangeRecord> m_ring;
    std::atomic<std::uint64_t> m_dropped{0};
    std::atomic<bool> m_retired{false};
};

// The process's tracing: the sampler, every worker's span queue, and a small locked queue for the
// rare token spans. Workers fill records; the exporter thread drains them into SpanData.
class Tracer {
public:
    struct Settings {
        bool enabled = false;
        config::TracesSampler sampler = config::TracesSampler::ParentBasedAlwaysOn;
        double samplerRatio = 1.0;
        std::size_t queueCapacity = 2048; // per producer, in exchanges
        QByteArray listenerAddress;
        quint16 listenerPort = 0;
    };

    explicit Tracer(Settings settings);

    [[nodiscard]] bool enabled() const { return m_settings.enabled; }
    [[nodiscard]] const Sampler &sampler() const { return m_sampler; }

    // A new worker's queue, registered before the worker runs; stable for the Tracer's lifetime.
    [[nodiscard]] SpanProducer &addProducer();

    // A span that starts its own trace (token acquisitions), kept if the sampler says so. Any
    // thread; bounded.
    void recordSpan(SpanData span);

    // Exporter thread: at most `max` spans, oldest first per queue.
    [[nodiscard]] std::vector<SpanData> drain(std::size_t max);
    // Spans dropped because a queue was full.
    [[nodiscard]] std::uint64_t dropped() const;

private:
    void appendSpans(const ExchangeRecord &record, std::vector<SpanData> &out) const;

    Settings m_settings;
    Sampler m_sampler;
    mutable std::mutex m_mutex; // the producer list and the internal span queue
    std::vector<std::unique_ptr<SpanProducer>> m_producers;
    std::deque<SpanData> m_internal;
    IdGenerator m_internalIds;
    std::uint64_t m_internalDropped = 0;
    std::uint64_t m_retiredDropped = 0; // drops counted by producers freed since
};

} // namespace aap::telemetry
