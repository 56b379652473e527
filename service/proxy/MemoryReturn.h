#pragma once

#include <chrono>
#include <cstddef>

namespace aap::proxy {

// When the workers' freed heap goes back to the system. Not after every free: by default glibc
// trims an arena whenever more than 128 KiB lie free at its top, so each 64 KiB receive buffer
// freed there was given back and the next one faulted its pages in again (4-5 page faults per
// proxied 64 KiB POST at 50 connections, a fifth of its CPU). Instead an arena keeps up to
// kRetainedBytes free while its worker is busy, and the workers trim when they go quiet and after
// waves of closed connections (a burst of 10,000 left RSS at its peak otherwise).
class MemoryReturn {
public:
    // Free heap an arena may keep at its top before glibc trims it on its own: the receive
    // buffers of 256 connections in the middle of 64 KiB bodies.
    static constexpr std::size_t kRetainedBytes = std::size_t{16} * 1024 * 1024;
    // A worker that served no request for this long trims once.
    static constexpr std::chrono::seconds kQuietBeforeTrim{1};
    // Connections a worker must lose, since its last peak, before it trims.
    static constexpr std::size_t kClosedConnectionsPerTrim = 256;
    // Fewer closed connections are enough once no more close (the end of a wave).
    static constexpr std::size_t kClosedConnectionsPerFinalTrim = 32;

    // Sets glibc's trim threshold to kRetainedBytes (process-wide; a no-op elsewhere). That also
    // stops glibc from moving its mmap threshold, which stays at 128 KiB; no buffer on the data
    // path is that large.
    static void retainWhileBusy();
    // Trims every arena; a no-op where the C library has no such call.
    static void trim();
};

} // namespace aap::proxy
