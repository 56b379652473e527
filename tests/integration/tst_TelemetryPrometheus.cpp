// /metrics of the real aad-auth-proxy program against Prometheus itself (Debian's prometheus
// package): promtool check metrics accepts the exposition, and a real Prometheus started by the test
// scrapes the listener and the admin port (up == 1 through its HTTP API).
#include "protocol/FakeImds.h"
#include "support/FakeUpstream.h"
#include "support/process/ServiceProcess.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using aap::test::FakeImds;
using aap::test::FakeUpstream;
using aap::test::ServiceProcess;

class tst_TelemetryPrometheus : public QObject {
    Q_OBJECT

private:
    FakeImds m_imds;
    FakeUpstream m_upstream;
    ServiceProcess m_service;
    QProcess m_prometheus;
    quint16 m_port = 0;
    quint16 m_adminPort = 0;

    static ServiceProcess::Reply get(quint16 port, const QString &path)
    {
        return ServiceProcess::get(port, path);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_imds.isListening());
        QVERIFY(m_upstream.listen());
        m_port = m_service.port();
        m_adminPort = ServiceProcess::freePort();
        m_service.setEnv(u"TARGET_HOST"_s, u"http://127.0.0.1:%1"_s.arg(m_upstream.port()));
        m_service.setEnv(u"IDENTITY_TYPE"_s, u"SystemAssigned"_s);
        m_service.setEnv(u"AUDIENCE"_s, u"https://monitor.azure.com"_s);
        m_service.setEnv(u"ADMIN_PORT"_s, QString::number(m_adminPort));
        m_service.setEnv(u"AZURE_POD_IDENTITY_AUTHORITY_HOST"_s, m_imds.authorityHost().toString());
        m_service.setEnv(u"WORKER_THREADS"_s, u"2"_s);
        m_service.setEnv(u"OTEL_SDK_DISABLED"_s, u"true"_s);
        QVERIFY(m_service.start());
        QVERIFY(m_service.waitForStatus(u"/ready"_s, 200, 30'000));
        for (int i = 0; i < 3; ++i)
            QCOMPARE(get(m_port, u"/api?i=%1"_s.arg(i)).status, 200);
        QCOMPARE(get(m_port, u"/metrics"_s).status, 200);
    }

    void cleanupTestCase()
    {
        if (m_prometheus.state() != QProcess::NotRunning) {
            ::kill(static_cast<pid_t>(m_prometheus.processId()), SIGTERM);
            if (!m_prometheus.waitForFinished(20'000)) {
                m_prometheus.kill();
                m_prometheus.waitForFinished(5'000);
            }
        }
        QVERIFY(m_service.stop());
        QCOMPARE(m_service.process().exitCode(), 0);
    }

    void metricsAreAnsweredLocallyWithTheOriginalsNames()
    {
        const ServiceProcess::Reply reply = get(m_port, u"/metrics"_s);
        QCOMPARE(reply.status, 200);
        QVERIFY(reply.contentType.startsWith("text/plain; version=0.0.4"));
        for (const char *name :
             {"aad_auth_proxy_requests_total{route=\"default\",method=\"GET\",status_class=\"2xx\"} 3",
              "aad_auth_proxy_request_duration_milliseconds_count{route=\"default\"} 3",
              "aad_auth_proxy_request_bytes_total{route=\"default\"}",
              "aad_auth_proxy_response_bytes_total{route=\"default\"}",
              "aad_auth_proxy_token_refresh_total{audience=\"https://"
              "monitor.azure.com\",client_id=\"\",tenant_id=\"\","
              "identity_type=\"systemassigned\",is_success=\"true\"} 1",
              "aad_auth_proxy_token_expiry_seconds{route=\"default\"}", "aad_auth_proxy_build_info{",
              "aad_auth_proxy_upstream_errors_total{kind=\"pool_exhausted\"} 0",
              "aad_auth_proxy_client_connections",
              "aad_auth_proxy_token_refresh_failures_in_a_row{route=\"default\"} 0"}) {
            QVERIFY2(reply.body.contains(name), name);
        }
        // The three requests came one after another: each of the two workers opened at most one
        // connection and reused it.
        const QByteArray openedLine = "\naad_auth_proxy_upstream_connections_opened_total ";
        const qsizetype opened = reply.body.indexOf(openedLine);
        QVERIFY(opened >= 0);
        const qsizetype valueAt = opened + openedLine.size();
        const QByteArray openedValue = reply.body.mid(valueAt, reply.body.indexOf('\n', valueAt) - valueAt);
        QVERIFY2(openedValue == "1" || openedValue == "2", openedValue.constData());
        // Never forwarded: the upstream saw the three /api requests only.
        for (const auto &request : m_upstream.requests())
            QVERIFY(!request.target.startsWith("/metrics"));
        QCOMPARE(get(m_adminPort, u"/metrics"_s).status, 200);
        QCOMPARE(get(m_adminPort, u"/api"_s).status, 404);
    }

    void promtoolAcceptsTheExposition()
    {
        for (const quint16 port : {m_port, m_adminPort}) {
            QProcess promtool;
            promtool.start(u"promtool"_s, {u"check"_s, u"metrics"_s});
            QVERIFY2(promtool.waitForStarted(10'000), "promtool (Debian package prometheus) is missing");
            promtool.write(get(port, u"/metrics"_s).body);
            promtool.closeWriteChannel();
            QVERIFY(promtool.waitForFinished(30'000));
            // The one lint remark allowed: the original's histogram name says milliseconds where
            // Prometheus prefers seconds; it is kept so that the original's dashboard keeps working.
            QByteArrayList problems;
            for (const QByteArray &line :
                 QByteArray(promtool.readAllStandardOutput() + promtool.readAllStandardError()).split('\n')) {
                if (!line.trimmed().isEmpty() &&
                    line !=
                        R"(aad_auth_proxy_request_duration_milliseconds use base unit "seconds" instead of "milliseconds")")
                    problems.append(line);
            }
            QVERIFY2(problems.isEmpty(), problems.join('\n').constData());
            QVERIFY(promtool.exitStatus() == QProcess::NormalExit);
        }
    }

    void prometheusScrapesListenerAndAdminPort()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const quint16 webPort = ServiceProcess::freePort();
        QFile config(dir.filePath(u"prometheus.yml"_s));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(
            u"global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
            "  - job_name: listener\n    static_configs:\n      - targets: ['127.0.0.1:%1']\n"
            "  - job_name: admin\n    static_configs:\n      - targets: ['127.0.0.1:%2']\n"_s.arg(m_port)
                .arg(m_adminPort)
                .toUtf8());
        config.close();
        m_prometheus.setProcessChannelMode(QProcess::MergedChannels);
        m_prometheus.start(u"/usr/bin/prometheus"_s,
                           {u"--config.file="_s + config.fileName(),
                            u"--storage.tsdb.path="_s + dir.filePath(u"data"_s),
                            u"--web.listen-address=127.0.0.1:%1"_s.arg(webPort), u"--log.level=warn"_s});
        QVERIFY2(m_prometheus.waitForStarted(10'000), "prometheus (Debian package prometheus) is missing");
        const auto upSeries = [&] {
            const QJsonObject answer =
                QJsonDocument::fromJson(get(webPort, u"/api/v1/query?query=up"_s).body).object();
            int up = 0;
            for (const QJsonValue &result : answer[u"data"_s][u"result"_s].toArray()) {
                if (result[u"value"_s].toArray().at(1).toString() == u"1"_s)
                    ++up;
            }
            return up;
        };
        QTRY_COMPARE_WITH_TIMEOUT(upSeries(), 2, 60'000);
        const QJsonObject requests =
            QJsonDocument::fromJson(
                get(webPort,
                    u"/api/v1/query?query=sum(aad_auth_proxy_requests_total%7Bjob%3D%22listener%22%7D)"_s)
                    .body)
                .object();
        QVERIFY(requests[u"data"_s][u"result"_s]
                    .toArray()
                    .first()[u"value"_s]
                    .toArray()
                    .at(1)
                    .toString()
                    .toInt() >= 3);
        ::kill(static_cast<pid_t>(m_prometheus.processId()), SIGTERM);
        QVERIFY(m_prometheus.waitForFinished(20'000));
    }

    void metricsFollowAReload()
    {
        // SIGHUP builds a new generation with counters of its own; the admin port stays and reads
        // the new one, and its /ready asks the new generation's probe.
        const QByteArray before =
            R"(aad_auth_proxy_requests_total{route="default",method="GET",status_class="2xx"})";
        QVERIFY(get(m_port, u"/metrics"_s).body.contains(before));
        ::kill(static_cast<pid_t>(m_service.process().processId()), SIGHUP);
        QTRY_VERIFY_WITH_TIMEOUT(!get(m_port, u"/metrics"_s).body.contains(before), 30'000);
        QCOMPARE(get(m_port, u"/api/after-reload"_s).status, 200);
        const QByteArray one = before + " 1";
        QVERIFY(get(m_port, u"/metrics"_s).body.contains(one));
        QVERIFY(get(m_adminPort, u"/metrics"_s).body.contains(one));
        QCOMPARE(get(m_adminPort, u"/ready"_s).status, 200);
    }
};

QTEST_GUILESS_MAIN(tst_TelemetryPrometheus)
#include "tst_TelemetryPrometheus.moc"
