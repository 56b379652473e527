#include "app/ServiceMain.h"
#include "otlp/OtlpExporter.h"

int main(int argc, char *argv[])
{
    // The OTLP exporter (gRPC, protobuf) is linked here, so no other part of the service sees it.
    return aap::app::ServiceMain::run(argc, argv, &aap::otlp::createTransport);
}
