#pragma once

#include "telemetry/ExportSettings.h"
#include "telemetry/ExportTransport.h"

#include <memory>

namespace aap::otlp {

// The transport for the configured protocol: gRPC (TraceService/Export, MetricsService/Export) or
// http/protobuf (POST to /v1/traces and /v1/metrics). Free of gRPC headers, so the service's
// wiring can name it.
[[nodiscard]] std::unique_ptr<telemetry::ExportTransport>
createTransport(const telemetry::ExportSettings &settings);

} // namespace aap::otlp
