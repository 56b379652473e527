// OTLP export of the real aad-auth-proxy program to a real gRPC (and HTTP) collector written in
// Python with Debian's grpcio and protobuf, its messages generated from the repository's .proto files
// (tests/support/otlp/otlp_collector.py; it shares no code with the exporter). Checks decoded spans
// (service.name, attributes, parent/child links), metrics, trace propagation to the target, and
// that a stopped collector neither stops the proxy nor goes uncounted.
#include "protocol/FakeImds.h"
#include "protocol/TestPki.h"
#include "support/FakeUpstream.h"
#include "support/process/ServiceProcess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;
using aap::test::FakeImds;
using aap::test::FakeUpstream;
using aap::test::ServiceProcess;
using aap::test::TestPki;

namespace {

constexpr auto kCallerTraceId = "0af7651916cd43dd8448eb211c80319c";
constexpr auto kCallerSpanId = "b7ad6b7169203331";

ServiceProcess::Reply get(quint16 port, const QString &path, const ServiceProcess::Headers &headers = {})
{
    return ServiceProcess::get(port, path, headers);
}

QByteArray hexId(const QJsonValue &base64)
{
    return QByteArray::fromBase64(base64.toString().toLatin1()).toHex();
}

QVariant attribute(const QJsonObject &owner, const QString &key)
{
    for (const QJsonValue &kv : owner.value(u"attributes"_s).toArray()) {
        if (kv[u"key"_s].toString() == key) {
            const QJsonObject value = kv[u"value"_s].toObject();
            if (value.contains(u"string_value"_s))
                return value[u"string_value"_s].toString();
            if (value.contains(u"int_value"_s))
                return value[u"int_value"_s].toVariant().toLongLong(); // int64 arrives as a string
            return value.begin()->toVariant();
        }
    }
    return {};
}

double metricValue(const QByteArray &text, const QByteArray &series)
{
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(QByteArray(series + ' ')))
            return line.mid(series.size() + 1).toDouble();
    }
    return -1;
}

} // namespace

class tst_TelemetryOtlp : public QObject {
    Q_OBJECT

private:
    FakeImds m_imds;
    FakeUpstream m_upstream;
    QProcess m_collector;
    ServiceProcess m_service;
    quint16 m_port = 0;
    QByteArray m_collectorOut;
    QList<QJsonObject> m_received;
    quint16 m_collectorPort = 0;

    void startCollector(bool http, const QStringList &extra = {})
    {
        m_received.clear();
        m_collectorOut.clear();
        m_collector.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        // Debian's interpreter, where python3-grpcio and python3-protobuf live (not a pyenv one).
        QStringList args{QStringLiteral(AAP_SOURCE_DIR "/tests/support/otlp/otlp_collector.py"),
                         u"--proto-root"_s, QStringLiteral(AAP_SOURCE_DIR "/service/otlp/proto")};
        if (http)
            args << u"--http"_s;
        args << extra;
        m_collector.start(u"/usr/bin/python3"_s, args);
        QVERIFY(m_collector.waitForStarted(10'000));
        QTRY_VERIFY_WITH_TIMEOUT(m_collector.canReadLine(), 60'000);
        const QByteArray first = m_collector.readLine().trimmed();
        QVERIFY2(first.startsWith("PORT "), first.constData());
        m_collectorPort = static_cast<quint16>(first.mid(5).toUInt());
    }

    void readCollector()
    {
        while (m_collector.canReadLine())
            m_received.append(QJsonDocument::fromJson(m_collector.readLine()).object());
    }

    QList<QJsonObject> spans()
    {
        readCollector();
        QList<QJsonObject> result;
        for (const QJsonObject &request : std::as_const(m_received)) {
            if (request[u"signal"_s].toString() != u"traces"_s)
                continue;
            for (const QJsonValue &rs : request[u"body"_s][u"resource_spans"_s].toArray())
                for (const QJsonValue &ss : rs[u"scope_spans"_s].toArray())
                    for (const QJsonValue &span : ss[u"spans"_s].toArray())
                        result.append(span.toObject());
        }
        return result;
    }

    void startService(quint16 collector, const QList<std::pair<QString, QString>> &extra)
    {
        m_service.reset();
        m_port = m_service.port();
        m_service.setEnv(u"TARGET_HOST"_s, u"http://127.0.0.1:%1"_s.arg(m_upstream.port()));
        m_service.setEnv(u"IDENTITY_TYPE"_s, u"SystemAssigned"_s);
        m_service.setEnv(u"AUDIENCE"_s, u"https://monitor.azure.com/.default"_s);
        m_service.setEnv(u"AZURE_POD_IDENTITY_AUTHORITY_HOST"_s, m_imds.authorityHost().toString());
        m_service.setEnv(u"WORKER_THREADS"_s, u"2"_s);
        m_service.setEnv(u"OTEL_SDK_DISABLED"_s, u"false"_s); // the kit turns export off
        m_service.setEnv(u"OTEL_GRPC_ENDPOINT"_s, u"127.0.0.1:%1"_s.arg(collector));
        m_service.setEnv(u"OTEL_SERVICE_NAME"_s, u"tel-test"_s);
        m_service.setEnv(u"OTEL_RESOURCE_ATTRIBUTES"_s, u"deployment.environment=ci,service.name=ignored"_s);
        m_service.setEnv(u"OTEL_EXPORTER_OTLP_HEADERS"_s, u"x-collector-key=k%20v"_s);
        m_service.setEnv(u"OTEL_BSP_SCHEDULE_DELAY"_s, u"100"_s);
        m_service.setEnv(u"OTEL_METRIC_EXPORT_INTERVAL"_s, u"200"_s);
        m_service.setEnv(u"OTEL_EXPORTER_OTLP_TIMEOUT"_s, u"2000"_s);
        for (const auto &[name, value] : extra)
            m_service.setEnv(name, value);
        // stderr is captured: the tests count the exporter's log lines.
        QVERIFY(m_service.start(ServiceProcess::Stderr::Captured));
        QVERIFY(m_service.waitForStatus(u"/ready"_s, 200, 30'000));
    }

    void stopService()
    {
        QVERIFY(m_service.stop());
        QCOMPARE(m_service.process().exitCode(), 0);
    }

    void stopCollector()
    {
        if (m_collector.state() == QProcess::NotRunning)
            return;
        m_collector.closeWriteChannel();
        if (!m_collector.waitForFinished(5'000)) {
            m_collector.kill();
            m_collector.waitForFinished(5'000);
        }
    }

    // The server span of checkPropagatedRequest()'s request arrived.
    bool receivedCallerServerSpan()
    {
        return std::ranges::any_of(spans(), [](const QJsonObject &span) {
            return hexId(span[u"trace_id"_s]) == kCallerTraceId &&
                   span[u"kind"_s].toString() == u"SPAN_KIND_SERVER"_s;
        });
    }

    // A request continuing the caller's trace, and what the target saw of it.
    void checkPropagatedRequest()
    {
        const QByteArray incoming = "00-"_ba + kCallerTraceId + "-" + kCallerSpanId + "-01";
        const ServiceProcess::Reply reply = get(
            m_port, u"/api/v1/write?secret=1"_s,
            {{"traceparent", incoming}, {"tracestate", "vendor=abc"}, {"User-Agent", "tel-test-agent/1.0"}});
        QCOMPARE(reply.status, 200);
        const auto &forwarded = m_upstream.requests().last();
        const QByteArray sent = forwarded.header("traceparent").value_or(QByteArray());
        QCOMPARE(forwarded.headerCount("traceparent"), 1);
        QVERIFY2(sent.startsWith(QByteArray("00-"_ba + kCallerTraceId + "-")), sent.constData());
        QVERIFY2(!sent.contains(kCallerSpanId), "the proxy's client span is the target's parent");
        QCOMPARE(forwarded.header("tracestate").value_or(QByteArray()), QByteArray("vendor=abc"));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_imds.isListening());
        QVERIFY(m_upstream.listen());
    }

    void cleanup()
    {
        m_service.kill();
        stopCollector();
    }

    void grpcSpansMetricsAndDrops()
    {
        startCollector(false);
        QVERIFY(!QTest::currentTestFailed());
        startService(m_collectorPort, {});
        QVERIFY(!QTest::currentTestFailed());
        checkPropagatedRequest();
        QVERIFY(!QTest::currentTestFailed());
        const QByteArray sent = m_upstream.requests().last().header("traceparent").value_or(QByteArray());
        const QByteArray targetParent = sent.mid(36, 16);

        // Server span (parent: the caller's span), client span (parent: the server span, and the
        // target's parent), and the token acquisition.
        QJsonObject server;
        QJsonObject client;
        QJsonObject token;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const QJsonObject &span : spans()) {
                    if (hexId(span[u"trace_id"_s]) == kCallerTraceId &&
                        span[u"kind"_s].toString() == u"SPAN_KIND_SERVER"_s)
                        server = span;
                    if (hexId(span[u"trace_id"_s]) == kCallerTraceId &&
                        span[u"kind"_s].toString() == u"SPAN_KIND_CLIENT"_s)
                        client = span;
                    if (span[u"name"_s].toString() == u"token.acquire"_s)
                        token = span;
                }
                return !server.isEmpty() && !client.isEmpty() && !token.isEmpty();
            }(),
            15'000);
        QCOMPARE(hexId(server[u"parent_span_id"_s]), QByteArray(kCallerSpanId));
        QCOMPARE(hexId(client[u"parent_span_id"_s]), hexId(server[u"span_id"_s]));
        QCOMPARE(hexId(client[u"span_id"_s]), targetParent);
        QCOMPARE(server[u"name"_s].toString(), u"GET"_s);
        QCOMPARE(server[u"trace_state"_s].toString(), u"vendor=abc"_s);
        QCOMPARE(attribute(server, u"http.request.method"_s).toString(), u"GET"_s);
        QCOMPARE(attribute(server, u"url.path"_s).toString(), u"/api/v1/write"_s);
        QCOMPARE(attribute(server, u"http.response.status_code"_s).toLongLong(), 200);
        QCOMPARE(attribute(server, u"network.peer.address"_s).toString(), u"127.0.0.1"_s);
        QCOMPARE(attribute(server, u"user_agent.original"_s).toString(), u"tel-test-agent/1.0"_s);
        QCOMPARE(attribute(client, u"server.address"_s).toString(), u"127.0.0.1"_s);
        QCOMPARE(attribute(client, u"server.port"_s).toLongLong(), qint64(m_upstream.port()));
        QCOMPARE(attribute(client, u"http.response.status_code"_s).toLongLong(), 200);
        QVERIFY(!attribute(server, u"error.type"_s).isValid());
        QCOMPARE(attribute(token, u"aad_auth_proxy.identity.kind"_s).toString(), u"systemassigned"_s);
        QCOMPARE(attribute(token, u"aad_auth_proxy.token.result"_s).toString(), u"success"_s);
        QVERIFY(attribute(token, u"aad_auth_proxy.token.source"_s).toString().contains(u"imds"_s));

        // A request without traceparent starts a new trace; a 502 is an error.
        m_upstream.answerEveryRequest({.action = FakeUpstream::Action::Reset});
        QCOMPARE(get(m_port, u"/broken"_s).status, 502);
        m_upstream.setHandler([](const FakeUpstream::Request &) { return FakeUpstream::Response{}; });
        const QByteArray fresh = m_upstream.requests().last().header("traceparent").value_or(QByteArray());
        QVERIFY(!fresh.isEmpty() && !fresh.contains(kCallerTraceId));
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const QJsonObject &span : spans()) {
                    if (attribute(span, u"url.path"_s).toString() == u"/broken"_s &&
                        span[u"kind"_s].toString() == u"SPAN_KIND_SERVER"_s) {
                        return hexId(span[u"trace_id"_s]) == fresh.mid(3, 32) &&
                               !span.contains(u"parent_span_id"_s) &&
                               attribute(span, u"error.type"_s).toString() == u"upstream_reset"_s &&
                               span[u"status"_s][u"code"_s].toString() == u"STATUS_CODE_ERROR"_s;
                    }
                }
                return false;
            }(),
            15'000);

        // Metrics: exported every 200 ms, but a loaded machine may take a while to send one that
        // counts the requests above.
        const auto sawRequestMetrics = [this] {
            readCollector();
            for (const QJsonObject &request : std::as_const(m_received)) {
                if (request[u"signal"_s].toString() != u"metrics"_s)
                    continue;
                for (const QJsonValue &resource : request[u"body"_s][u"resource_metrics"_s].toArray()) {
                    for (const QJsonValue &scope : resource[u"scope_metrics"_s].toArray()) {
                        for (const QJsonValue &metric : scope[u"metrics"_s].toArray()) {
                            if (metric[u"name"_s].toString() != u"aad_auth_proxy_requests"_s)
                                continue;
                            const QJsonObject sum = metric[u"sum"_s].toObject();
                            if (sum[u"is_monotonic"_s].toBool() &&
                                sum[u"aggregation_temporality"_s].toString() ==
                                    u"AGGREGATION_TEMPORALITY_CUMULATIVE"_s &&
                                !sum[u"data_points"_s].toArray().isEmpty())
                                return true;
                        }
                    }
                }
            }
            return false;
        };
        QTRY_VERIFY2_WITH_TIMEOUT(sawRequestMetrics(),
                                  "aad_auth_proxy_requests arrives as a cumulative monotonic sum", 30'000);

        // Resource and headers of every export.
        for (const QJsonObject &request : std::as_const(m_received)) {
            QCOMPARE(request[u"metadata"_s][u"x-collector-key"_s].toString(), u"k v"_s);
            const QString signal = request[u"signal"_s].toString();
            const QJsonArray resources =
                request[u"body"_s][signal == u"traces"_s ? u"resource_spans"_s : u"resource_metrics"_s]
                    .toArray();
            const QJsonObject resource = resources.first()[u"resource"_s].toObject();
            QCOMPARE(attribute(resource, u"service.name"_s).toString(), u"tel-test"_s);
            QCOMPARE(attribute(resource, u"deployment.environment"_s).toString(), u"ci"_s);
        }

        // Collector gone: the proxy keeps serving, counts failures and dropped spans, logs once.
        stopCollector();
        for (int i = 0; i < 20; ++i)
            QCOMPARE(get(m_port, u"/after"_s).status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(
            metricValue(get(m_port, u"/metrics"_s).body,
                        R"(aad_auth_proxy_telemetry_spans_dropped_total{reason="export_failed"})") >= 20,
            15'000);
        // Metrics are exported on their own period: the first failed one may come a little later.
        for (const char *signal : {"traces", "metrics"}) {
            const QByteArray series =
                QByteArray(R"(aad_auth_proxy_telemetry_export_failures_total{signal=")") + signal + "\"}";
            QTRY_VERIFY2_WITH_TIMEOUT(metricValue(get(m_port, u"/metrics"_s).body, series) >= 1, signal,
                                      30'000);
        }
        stopService();
        const QByteArray log = m_service.process().readAllStandardError();
        QCOMPARE(log.count("OTLP export failed"), 1);
    }

    // https:// is TLS and trusts the ca_bundle CAs (UPSTREAM_CA_BUNDLE), as for the targets; without
    // them the collector's certificate is not trusted and every export fails, counted.
    void grpcOverTls()
    {
        const TestPki pki;
        QVERIFY(pki.isValid());
        startCollector(false,
                       {u"--tls-cert"_s, pki.serverCertificatePath(), u"--tls-key"_s, pki.serverKeyPath()});
        QVERIFY(!QTest::currentTestFailed());
        const QString endpoint = u"https://127.0.0.1:%1"_s.arg(m_collectorPort);
        startService(m_collectorPort, {{u"OTEL_GRPC_ENDPOINT"_s, endpoint},
                                       {u"UPSTREAM_CA_BUNDLE"_s, pki.caCertificatePath()}});
        QVERIFY(!QTest::currentTestFailed());
        checkPropagatedRequest();
        QVERIFY(!QTest::currentTestFailed());
        QTRY_VERIFY_WITH_TIMEOUT(receivedCallerServerSpan(), 15'000);
        stopService();

        startService(m_collectorPort, {{u"OTEL_GRPC_ENDPOINT"_s, endpoint}});
        QVERIFY(!QTest::currentTestFailed());
        QCOMPARE(get(m_port, u"/untrusted"_s).status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(
            metricValue(get(m_port, u"/metrics"_s).body,
                        R"(aad_auth_proxy_telemetry_export_failures_total{signal="traces"})") >= 1,
            15'000);
        const QByteArray traceId =
            m_upstream.requests().last().header("traceparent").value_or(QByteArray()).mid(3, 32);
        QCOMPARE(traceId.size(), 32);
        for (const QJsonObject &span : spans())
            QVERIFY(hexId(span[u"trace_id"_s]) != traceId);
        stopService();
    }

    void httpProtobufExport()
    {
        startCollector(true);
        QVERIFY(!QTest::currentTestFailed());
        startService(m_collectorPort,
                     {{u"OTEL_EXPORTER_OTLP_PROTOCOL"_s, u"http/protobuf"_s},
                      {u"OTEL_EXPORTER_OTLP_ENDPOINT"_s, u"http://127.0.0.1:%1"_s.arg(m_collectorPort)}});
        QVERIFY(!QTest::currentTestFailed());
        checkPropagatedRequest();
        QVERIFY(!QTest::currentTestFailed());
        QTRY_VERIFY_WITH_TIMEOUT(receivedCallerServerSpan(), 15'000);
        QCOMPARE(m_received.first()[u"metadata"_s][u"content-type"_s].toString(),
                 u"application/x-protobuf"_s);
        stopService();
    }

    void sdkDisabledLeavesHeadersAlone()
    {
        startService(ServiceProcess::freePort(), {{u"OTEL_SDK_DISABLED"_s, u"true"_s}});
        QVERIFY(!QTest::currentTestFailed());
        const QByteArray incoming = "00-"_ba + kCallerTraceId + "-" + kCallerSpanId + "-01";
        QCOMPARE(get(m_port, u"/x"_s, {{"traceparent", incoming}}).status, 200);
        QCOMPARE(m_upstream.requests().last().header("traceparent").value_or(QByteArray()), incoming);
        stopService();
        QVERIFY(!m_service.process().readAllStandardError().contains("OTLP"));
    }
};

QTEST_GUILESS_MAIN(tst_TelemetryOtlp)
#include "tst_TelemetryOtlp.moc"
