#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace aap::telemetry {

// A bounded single-producer single-consumer ring of preallocated slots. The producer fills a slot
// in place (no allocation, no lock) or learns that the ring is full and drops; the consumer reads
// slots in order. Head and tail live on cache lines of their own.
template <typename T> class SpscRing {
public:
    explicit SpscRing(std::size_t capacity) : m_capacity(capacity), m_slots(std::make_unique<T[]>(capacity))
    {}

    // Producer: a slot to fill, or nullptr when the ring is full. publish() makes it visible.
    [[nodiscard]] T *claim() noexcept
    {
        const auto head = m_head.value.load(std::memory_order_relaxed);
        if (head - m_tail.value.load(std::memory_order_acquire) >= m_capacity) {
            return nullptr;
        }
        return &m_slots[head % m_capacity];
    }
    void publish() noexcept
    {
        m_head.value.store(m_head.value.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }

    // Consumer: the oldest published slot, or nullptr; pop() frees it for the producer.
    [[nodiscard]] const T *front() const noexcept
    {
        const auto tail = m_tail.value.load(std::memory_order_relaxed);
        if (tail == m_head.value.load(std::memory_order_acquire)) {
            return nullptr;
        }
        return &m_slots[tail % m_capacity];
    }
    void pop() noexcept
    {
        m_tail.value.store(m_tail.value.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }

    [[nodiscard]] std::size_t capacity() const noexcept { return m_capacity; }

private:
    struct alignas(64) Index {
        std::atomic<std::uint64_t> value{0};
    };
    std::size_t m_capacity;
    std::unique_ptr<T[]> m_slots;
    Index m_head; // written by the producer
    Index m_tail; // written by the consumer
};

} // namespace aap::telemetry
