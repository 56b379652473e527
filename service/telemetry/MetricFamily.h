#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

#include <cstdint>
#include <vector>

namespace aap::telemetry {

// One metric with its points, as both the Prometheus text exposition and the OTLP exporter read it.
// Counters and histograms are cumulative since the process started.
struct MetricFamily {
    enum class Type { Counter, Gauge, Histogram };
    using Labels = QList<QPair<QByteArray, QByteArray>>;

    struct Point {
        Labels labels;
        double value = 0;                   // counter or gauge
        std::vector<std::uint64_t> buckets; // histogram: per bucket (not cumulative), +Inf last
        std::uint64_t count = 0;            // histogram
        double sum = 0;                     // histogram
    };

    QByteArray name; // Prometheus name; counters end in _total, which OTLP leaves out
    QByteArray help;
    QByteArray unit; // UCUM for OTLP ("ms", "By", "s", "1")
    Type type = Type::Counter;
    std::vector<double> bounds; // histogram upper bounds, without +Inf
    std::vector<Point> points;
};

} // namespace aap::telemetry
