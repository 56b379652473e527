#pragma once

#include <cstddef>

namespace aap::proxy {

// Gives the heap that closed connections freed back to the system. glibc keeps freed memory in its
// arenas, so after a burst of 10,000 connections RSS stayed at the burst's peak; the workers call
// this once many of their connections have closed.
class MemoryReturn {
public:
    // Connections a worker must lose, since its last peak, before it trims.
    static constexpr std::size_t kClosedConnectionsPerTrim = 256;
    // Fewer closed connections are enough once no more close (the end of a wave).
    static constexpr std::size_t kClosedConnectionsPerFinalTrim = 32;

    // Trims every arena; a no-op where the C library has no such call.
    static void trim();
};

} // namespace aap::proxy
