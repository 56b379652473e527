#include "otlp/OtlpExporter.h"

#include "otlp/OtlpGrpcTransport.h"
#include "otlp/OtlpHttpTransport.h"

namespace aap::otlp {

std::unique_ptr<telemetry::ExportTransport> createTransport(const telemetry::ExportSettings &settings)
{
    if (settings.protocol == config::OtlpProtocol::HttpProtobuf) {
        return std::make_unique<OtlpHttpTransport>(settings);
    }
    return std::make_unique<OtlpGrpcTransport>(settings);
}

} // namespace aap::otlp
