#pragma once

#include <atomic>
#include <cstdint>

namespace aap::telemetry {

// What the exporter did, for /metrics (the exporter's thread writes, scrapes read).
struct ExportStats {
    std::atomic<std::uint64_t> spansExported{0};
    std::atomic<std::uint64_t> spansLost{0}; // in a batch the collector did not take
    std::atomic<std::uint64_t> traceExportFailures{0};
    std::atomic<std::uint64_t> metricExportFailures{0};
    std::atomic<std::uint64_t> metricExports{0};
};

} // namespace aap::telemetry
