#!/usr/bin/python3
"""A minimal OTLP collector for the telemetry tests, sharing no code with the exporter.

It compiles the repository's .proto files with grpc_tools (Debian's python3-grpc-tools) into a
temporary directory, serves TraceService/Export and MetricsService/Export over gRPC (over TLS with
--tls-cert and --tls-key, PEM files; or, with --http, POST /v1/traces and /v1/metrics with protobuf
bodies) on 127.0.0.1 at an OS-chosen port,
prints "PORT <n>" and then one JSON line per received request:
{"signal": "traces"|"metrics", "metadata": {...}, "body": <the request as protobuf JSON>}.
It stops when stdin closes.
"""
import argparse
import http.server
import importlib
import json
import os
import sys
import tempfile
import threading
from concurrent import futures

from grpc_tools import protoc

PROTOS = [
    "opentelemetry/proto/common/v1/common.proto",
    "opentelemetry/proto/resource/v1/resource.proto",
    "opentelemetry/proto/trace/v1/trace.proto",
    "opentelemetry/proto/metrics/v1/metrics.proto",
    "opentelemetry/proto/collector/trace/v1/trace_service.proto",
    "opentelemetry/proto/collector/metrics/v1/metrics_service.proto",
]

lock = threading.Lock()


def emit(signal, metadata, message):
    from google.protobuf import json_format
    line = json.dumps({"signal": signal, "metadata": metadata,
                       "body": json_format.MessageToDict(message, preserving_proto_field_name=True)})
    with lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--proto-root", required=True)
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()

    out = tempfile.mkdtemp(prefix="otlp-py-")
    status = protoc.main(["protoc", "-I" + args.proto_root, "--python_out=" + out, "--grpc_python_out=" + out]
                         + [os.path.join(args.proto_root, p) for p in PROTOS])
    if status != 0:
        sys.exit("protoc failed")
    sys.path.insert(0, out)
    trace_pb2 = importlib.import_module("opentelemetry.proto.collector.trace.v1.trace_service_pb2")
    trace_grpc = importlib.import_module("opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc")
    metrics_pb2 = importlib.import_module("opentelemetry.proto.collector.metrics.v1.metrics_service_pb2")
    metrics_grpc = importlib.import_module("opentelemetry.proto.collector.metrics.v1.metrics_service_pb2_grpc")

    if args.http:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path == "/v1/traces":
                    message, signal, reply = trace_pb2.ExportTraceServiceRequest(), "traces", \
                        trace_pb2.ExportTraceServiceResponse()
                elif self.path == "/v1/metrics":
                    message, signal, reply = metrics_pb2.ExportMetricsServiceRequest(), "metrics", \
                        metrics_pb2.ExportMetricsServiceResponse()
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                ok = self.headers.get("Content-Type") == "application/x-protobuf"
                if ok:
                    message.ParseFromString(body)
                    emit(signal, {k.lower(): v for k, v in self.headers.items()}, message)
                payload = reply.SerializeToString()
                self.send_response(200 if ok else 415)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *unused):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
    else:
        import grpc

        class Traces(trace_grpc.TraceServiceServicer):
            def Export(self, request, context):
                emit("traces", dict(context.invocation_metadata()), request)
                return trace_pb2.ExportTraceServiceResponse()

        class Metrics(metrics_grpc.MetricsServiceServicer):
            def Export(self, request, context):
                emit("metrics", dict(context.invocation_metadata()), request)
                return metrics_pb2.ExportMetricsServiceResponse()

        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_grpc.add_TraceServiceServicer_to_server(Traces(), server)
        metrics_grpc.add_MetricsServiceServicer_to_server(Metrics(), server)
        if args.tls_cert:
            with open(args.tls_key, "rb") as key, open(args.tls_cert, "rb") as cert:
                credentials = grpc.ssl_server_credentials([(key.read(), cert.read())])
            port = server.add_secure_port("127.0.0.1:0", credentials)
        else:
            port = server.add_insecure_port("127.0.0.1:0")
        server.start()

    with lock:
        sys.stdout.write("PORT %d\n" % port)
        sys.stdout.flush()
    sys.stdin.read()


if __name__ == "__main__":
    main()
