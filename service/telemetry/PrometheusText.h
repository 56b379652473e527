#pragma once

#include "telemetry/MetricFamily.h"

#include <QByteArray>

#include <vector>

namespace aap::telemetry {

// The Prometheus text exposition format 0.0.4: HELP and TYPE lines, escaped label values,
// cumulative histogram buckets with le="+Inf", _sum and _count.
class PrometheusText {
public:
    [[nodiscard]] static QByteArray render(const std::vector<MetricFamily> &families);
    static void appendEscapedLabelValue(QByteArray &out, QByteArrayView value);
    static void appendNumber(QByteArray &out, double value);
};

} // namespace aap::telemetry
