#include "otlp/OtlpMessages.h"

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <string>

namespace aap::otlp {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
namespace metrics = opentelemetry::proto::metrics::v1;

namespace {

constexpr const char *kScopeName = "aad-auth-proxy";

std::string str(QByteArrayView bytes)
{
    return {bytes.data(), static_cast<std::size_t>(bytes.size())};
}

template <typename Array> std::string raw(const Array &id)
{
    return {reinterpret_cast<const char *>(id.data()), id.size()};
}

void fillResource(opentelemetry::proto::resource::v1::Resource *out, const Resource &resource)
{
    for (const auto &[key, value] : resource) {
        common::KeyValue *attribute = out->add_attributes();
        attribute->set_key(str(key));
        attribute->mutable_value()->set_string_value(str(value));
    }
}

void fillScope(common::InstrumentationScope *scope)
{
    scope->set_name(kScopeName);
    scope->set_version(AAP_VERSION);
}

void fillAttribute(common::KeyValue *out, const telemetry::SpanData::Attribute &attribute)
{
    out->set_key(str(attribute.key));
    common::AnyValue *value = out->mutable_value();
    if (const auto *text = std::get_if<QByteArray>(&attribute.value)) {
        value->set_string_value(str(*text));
    } else if (const auto *number = std::get_if<std::int64_t>(&attribute.value)) {
        value->set_int_value(*number);
    } else {
        value->set_bool_value(std::get<bool>(attribute.value));
    }
}

template <typename Point> void fillLabels(Point *point, const telemetry::MetricFamily::Labels &labels)
{
    for (const auto &[key, value] : labels) {
        common::KeyValue *attribute = point->add_attributes();
        attribute->set_key(str(key));
        attribute->mutable_value()->set_string_value(str(value));
    }
}

// OTLP names counters without Prometheus' _total suffix; exporters to Prometheus add it back.
std::string otlpName(const telemetry::MetricFamily &family)
{
    QByteArrayView name = family.name;
    if (family.type == telemetry::MetricFamily::Type::Counter && name.endsWith("_total")) {
        name.chop(6);
    }
    return str(name);
}

} // namespace

void OtlpMessages::fillTraces(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest &request,
                              const Resource &resource, const std::vector<telemetry::SpanData> &spans)
{
    trace::ResourceSpans *resourceSpans = request.add_resource_spans();
    fillResource(resourceSpans->mutable_resource(), resource);
    trace::ScopeSpans *scopeSpans = resourceSpans->add_scope_spans();
    fillScope(scopeSpans->mutable_scope());
    for (const telemetry::SpanData &span : spans) {
        trace::Span *out = scopeSpans->add_spans();
        out->set_trace_id(raw(span.traceId));
        out->set_span_id(raw(span.spanId));
        if (!telemetry::TraceContext::isZero(span.parentSpanId.data(), span.parentSpanId.size())) {
            out->set_parent_span_id(raw(span.parentSpanId));
        }
        out->set_trace_state(str(span.traceState));
        out->set_flags(0x01); // sampled: only sampled spans are exported
        out->set_name(str(span.name));
        out->set_kind(static_cast<trace::Span::SpanKind>(span.kind));
        out->set_start_time_unix_nano(static_cast<std::uint64_t>(span.startNanos));
        out->set_end_time_unix_nano(static_cast<std::uint64_t>(span.endNanos));
        for (const auto &attribute : span.attributes) {
            fillAttribute(out->add_attributes(), attribute);
        }
        if (span.status != telemetry::SpanStatus::Unset) {
            out->mutable_status()->set_code(static_cast<trace::Status::StatusCode>(span.status));
            out->mutable_status()->set_message(str(span.statusMessage));
        }
    }
}

void OtlpMessages::fillMetrics(
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest &request,
    const Resource &resource, const std::vector<telemetry::MetricFamily> &families, std::int64_t startNanos,
    std::int64_t nowNanos)
{
    metrics::ResourceMetrics *resourceMetrics = request.add_resource_metrics();
    fillResource(resourceMetrics->mutable_resource(), resource);
    metrics::ScopeMetrics *scopeMetrics = resourceMetrics->add_scope_metrics();
    fillScope(scopeMetrics->mutable_scope());
    const auto start = static_cast<std::uint64_t>(startNanos);
    const auto now = static_cast<std::uint64_t>(nowNanos);
    for (const telemetry::MetricFamily &family : families) {
        metrics::Metric *metric = scopeMetrics->add_metrics();
        metric->set_name(otlpName(family));
        metric->set_description(str(family.help));
        metric->set_unit(str(family.unit));
        switch (family.type) {
        case telemetry::MetricFamily::Type::Counter: {
            metrics::Sum *sum = metric->mutable_sum();
            sum->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
            sum->set_is_monotonic(true);
            for (const auto &point : family.points) {
                metrics::NumberDataPoint *out = sum->add_data_points();
                fillLabels(out, point.labels);
                out->set_start_time_unix_nano(start);
                out->set_time_unix_nano(now);
                out->set_as_int(static_cast<std::int64_t>(point.value));
            }
            break;
        }
        case telemetry::MetricFamily::Type::Gauge: {
            metrics::Gauge *gauge = metric->mutable_gauge();
            for (const auto &point : family.points) {
                metrics::NumberDataPoint *out = gauge->add_data_points();
                fillLabels(out, point.labels);
                out->set_time_unix_nano(now);
                out->set_as_double(point.value);
            }
            break;
        }
        case telemetry::MetricFamily::Type::Histogram: {
            metrics::Histogram *histogram = metric->mutable_histogram();
            histogram->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
            for (const auto &point : family.points) {
                metrics::HistogramDataPoint *out = histogram->add_data_points();
                fillLabels(out, point.labels);
                out->set_start_time_unix_nano(start);
                out->set_time_unix_nano(now);
                out->set_count(point.count);
                out->set_sum(point.sum);
                for (const auto count : point.buckets) {
                    out->add_bucket_counts(count);
                }
                for (const double bound : family.bounds) {
                    out->add_explicit_bounds(bound);
                }
            }
            break;
        }
        }
    }
}

} // namespace aap::otlp
