#include "support/ProxyTestClient.h"
#include "support/ProxyTestHarness.h"

#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

using namespace std::chrono_literals;
using aap::proxy::ProxyErrorKind;
using aap::test::FakeUpstream;
using aap::test::ProxyTestClient;
using aap::test::ProxyTestHarness;

// Degraded paths: every one answers with the documented JSON error (or cuts the connection when
// the response already started), counts, and never forwards bad input.
class tst_ProxyFailures : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // During an outage every probe and every request fails: the warning lines are rate-limited per
    // worker (5 per 10 s), the counters still count each one.
    void outageWarningsAreRateLimited()
    {
        static QStringList lines;
        lines.clear();
        const QtMessageHandler previous =
            qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &, const QString &message) {
                if (type == QtWarningMsg) {
                    lines.append(message);
                }
            });
        const auto restore = qScopeGuard([previous] { qInstallMessageHandler(previous); });
        ProxyTestHarness h;
        h.options.workerThreads = 1;
        h.options.limits.tokenWaitTimeout = 1ms;
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        for (int i = 0; i < 20; ++i) {
            client.send("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n");
            const auto ready = client.readResponse();
            QVERIFY(ready);
            QCOMPARE(ready->status, 503);
            client.send("GET /data HTTP/1.1\r\nHost: x\r\n\r\n");
            QVERIFY(h.advanceUntilAnswered(client, 1ms));
            const auto data = client.readResponse();
            QVERIFY(data);
            QCOMPARE(data->status, 503);
        }
        QCOMPARE(h.counters().snapshot().localReplies, 20u);
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::NoToken), 20u);
        QCOMPARE(lines.filter(QRegularExpression(QStringLiteral("^not ready "))).size(), 5);
        QCOMPARE(lines.filter(QRegularExpression(QStringLiteral("^request failed "))).size(), 5);
    }

    void upstreamDownIs502()
    {
        ProxyTestHarness h;
        h.publishToken();
        QTcpServer reserved; // a port nobody listens on once closed
        QVERIFY(reserved.listen(QHostAddress::LocalHost, 0));
        const quint16 deadPort = reserved.serverPort();
        reserved.close();
        h.routeTo(deadPort, h.upstreamUsesTls());
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        ProxyTestHarness::verifyError(client.readResponse(), 502, "upstream_connect_failed");
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::UpstreamConnect), 1u);
        // The client connection survives a request without a body.
        QVERIFY(client.isConnected());
    }

    void upstreamResetIs502()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.answerEveryRequest({.action = FakeUpstream::Action::Reset});
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
        ProxyTestHarness::verifyError(client.readResponse(), 502, "upstream_reset");
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::UpstreamReset), 1u);
        QCOMPARE(h.counters().snapshot().upstreamRetries, 0u);
    }

    void upstreamGarbageIs502()
    {
        ProxyTestHarness h;
        h.publishToken();
        QTcpServer raw;
        QVERIFY(raw.listen(QHostAddress::LocalHost, 0));
        connect(&raw, &QTcpServer::newConnection, this, [&raw] {
            QTcpSocket *socket = raw.nextPendingConnection();
            connect(socket, &QTcpSocket::readyRead, socket, [socket] {
                socket->readAll();
                socket->write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
            });
        });
        h.routeTo(raw.serverPort()); // `raw` speaks plain http
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        ProxyTestHarness::verifyError(client.readResponse(), 502, "upstream_bad_response");
    }

    void slowUpstreamIs504()
    {
        ProxyTestHarness h;
        h.publishToken();
        // Ten minutes: only the injected clock can make them pass within the test.
        h.options.upstream.responseHeadersTimeout = 10min;
        h.upstream.answerEveryRequest({.action = FakeUpstream::Action::Hang});
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(h.advanceUntilAnswered(client, 10min));
        ProxyTestHarness::verifyError(client.readResponse(), 504, "upstream_timeout");
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::UpstreamTimeout), 1u);
        // The hung upstream connection is not reused: it was closed.
        QTRY_COMPARE_WITH_TIMEOUT(h.upstream.openConnections(), 0, 10000);
    }

    void stalledResponseBodyCutsClient()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.options.upstream.idleBodyTimeout = 300ms;
        h.upstream.answerEveryRequest({.action = FakeUpstream::Action::HeadThenHang, .body = "partial"});
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(h.advanceUntil([&client] { return !client.isConnected(); }, 300ms));
        QVERIFY(client.pending().contains("partial"));
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::UpstreamTimeout), 1u);
        QTRY_COMPARE_WITH_TIMEOUT(h.upstream.openConnections(), 0, 10000);
    }

    void connectTimeoutIs504()
    {
        // A listener on 127.0.0.1 that never accepts, its queue filled: Linux drops further SYNs, so
        // the proxy's connect hangs without anything leaving the machine.
        const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        QVERIFY(listener >= 0);
        std::vector<int> descriptors{listener};
        const auto closeAll = qScopeGuard([&descriptors] {
            for (const int descriptor : descriptors) {
                ::close(descriptor);
            }
        });
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        QCOMPARE(::bind(listener, reinterpret_cast<sockaddr *>(&address), length), 0);
        QCOMPARE(::listen(listener, 0), 0);
        QCOMPARE(::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length), 0);
        for (int i = 0; i < 4; ++i) {
            const int filler = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            QVERIFY(filler >= 0);
            descriptors.push_back(filler);
            ::connect(filler, reinterpret_cast<sockaddr *>(&address), length);
        }

        ProxyTestHarness h;
        h.publishToken();
        h.options.upstream.connectTimeout = 10min; // only the injected clock gets there in time
        h.routeTo(ntohs(address.sin_port));
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(h.advanceUntilAnswered(client, 10min));
        ProxyTestHarness::verifyError(client.readResponse(), 504, "upstream_timeout");
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::UpstreamTimeout), 1u);
    }

    void staleKeepAliveConnectionIsRetriedOnce()
    {
        ProxyTestHarness h;
        h.options.workerThreads = 1;
        h.publishToken();
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(client.readResponse());
        // The upstream silently drops its side of the pooled connection.
        h.upstream.closeAllConnections();
        client.send("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(h.upstream.requests().size(), 2);
        QCOMPARE(h.upstream.connectionCount(), 2);
    }

    void closedPooledConnectionIsRetriedForIdempotentRequest()
    {
        ProxyTestHarness h;
        h.options.workerThreads = 1;
        h.publishToken();
        int calls = 0;
        // The first exchange leaves a pooled connection that dies on its next use without a response.
        h.upstream.setHandler([&calls](const FakeUpstream::Request &) {
            FakeUpstream::Response response;
            if (++calls == 2) {
                response.action = FakeUpstream::Action::Close;
            }
            return response;
        });
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(client.readResponse());
        client.send("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(h.counters().snapshot().upstreamRetries, 1u);
        QCOMPARE(h.upstream.requests().size(), 3);

        // Not idempotent: no retry, 502.
        calls = 1;
        client.send("POST /3 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        ProxyTestHarness::verifyError(client.readResponse(), 502, "upstream_reset");
        QCOMPARE(h.counters().snapshot().upstreamRetries, 1u);
    }

    void noTokenWaitsForFirstToken()
    {
        ProxyTestHarness h;
        h.options.limits.tokenWaitTimeout = 20s;
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET /early HTTP/1.1\r\nHost: x\r\n\r\n");
        QTest::qWait(100); // lets the request reach the waiting state; correctness does not depend on it
        QCOMPARE(h.upstream.requests().size(), 0);
        h.publishToken();
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(h.upstream.requests().size(), 1);
    }

    void noTokenTimesOutWith503()
    {
        ProxyTestHarness h;
        h.options.limits.tokenWaitTimeout = 200ms;
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(h.advanceUntilAnswered(client, 200ms));
        ProxyTestHarness::verifyError(client.readResponse(), 503, "no_token");
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::NoToken), 1u);
        // Expired tokens are no tokens.
        h.store.publish(aap::auth::TokenSnapshot{ProxyTestHarness::tokenHeaderValue(), h.clock.now() - 1s});
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(h.advanceUntilAnswered(client, 200ms));
        ProxyTestHarness::verifyError(client.readResponse(), 503, "no_token");
        QCOMPARE(h.upstream.requests().size(), 0);
    }

    void unauthorizedFromTargetAsksForRefresh()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.answerEveryRequest({.status = 401, .body = "denied"});
        QSignalSpy reported(&h.store, &aap::auth::TokenStore::unauthorizedReported);
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 401);
        QCOMPARE(response->body, QByteArray("denied"));
        QTRY_COMPARE_WITH_TIMEOUT(reported.size(), 1, 10000);
        QCOMPARE(h.counters().snapshot().unauthorizedFromTarget, 1u);
    }

    void badInputIsRejectedAndNeverForwarded_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("status");
        QTest::newRow("garbage") << QByteArray("\x01\x02garbage\r\n\r\n") << 400;
        QTest::newRow("bare LF") << QByteArray("GET / HTTP/1.1\nHost: x\n\n") << 400;
        QTest::newRow("no host") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("version") << QByteArray("GET / HTTP/2.0\r\nHost: x\r\n\r\n") << 505;
        QTest::newRow("smuggling") << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                                                 "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                                   << 400;
        QTest::newRow("chunked not last")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n") << 400;
        QTest::newRow("CONNECT") << QByteArray(
                                        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
                                 << 405;
        QTest::newRow("TRACE") << QByteArray("TRACE / HTTP/1.1\r\nHost: x\r\n\r\n") << 405;
        QTest::newRow("long target") << "GET /" + QByteArray(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"
                                     << 414;
        QTest::newRow("huge head") << "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(70000, 'b') +
                                          "\r\n\r\n"
                                   << 431;
        QTest::newRow("bad chunk") << QByteArray(
                                          "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                          "zz\r\n")
                                   << 400;
    }
    void badInputIsRejectedAndNeverForwarded()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, status);
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send(bytes);
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, status);
        QCOMPARE(response->header("Content-Type").value_or(""), QByteArray("application/json"));
        QVERIFY(client.waitForDisconnected());
        if (status != 400 || !bytes.contains("zz")) {
            QCOMPARE(h.upstream.requests().size(), 0);
        }
        QVERIFY(h.counters().snapshot().errorCount(ProxyErrorKind::BadRequest) >= 1u);
    }

    void traceAndConnectAre405WithAllow_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::newRow("TRACE") << QByteArray("TRACE /x HTTP/1.1\r\nHost: x\r\nMax-Forwards: 1\r\n\r\n");
        QTest::newRow("CONNECT") << QByteArray(
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    }
    void traceAndConnectAre405WithAllow()
    {
        QFETCH(QByteArray, request);
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        // After a kept-alive exchange, so the refusal must close the connection by itself.
        client.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(client.readResponse());
        client.send(request);
        const auto response = client.readResponse();
        ProxyTestHarness::verifyError(response, 405, "method_not_allowed");
        QCOMPARE(response->header("Allow").value_or(""),
                 QByteArray("GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS"));
        // The unparsed request is never taken for the start of another one.
        QVERIFY(client.waitForDisconnected(10000));
        QCOMPARE(h.upstream.requests().size(), 1);
        QCOMPARE(h.upstream.requests().first().target, QByteArray("/first"));
    }

    void expiredTokenIs503AtOnce()
    {
        ProxyTestHarness h;
        // Long enough that a wait could not go unnoticed.
        h.options.limits.tokenWaitTimeout = 60s;
        h.publishToken();
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto served = client.readResponse();
        QVERIFY(served);
        QCOMPARE(served->status, 200);
        h.store.clear();
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        ProxyTestHarness::verifyError(client.readResponse(10000), 503, "no_token");
        // An expired token is no better than none.
        h.store.publish(aap::auth::TokenSnapshot{ProxyTestHarness::tokenHeaderValue(), h.clock.now() - 1s});
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        ProxyTestHarness::verifyError(client.readResponse(10000), 503, "no_token");
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::NoToken), 2u);
        QCOMPARE(h.upstream.requests().size(), 1);
        QVERIFY(client.isConnected());
    }

    void pipelinedLocalRepliesAreBackPressured()
    {
        ProxyTestHarness h;
        h.options.workerThreads = 1;
        QVERIFY(h.start());
        QTcpSocket client;
        client.setReadBufferSize(
            4096); // Qt stops reading, the kernel's window closes: a client that never reads
        client.connectToHost(QHostAddress::LocalHost, h.port());
        QVERIFY(client.waitForConnected(10000));
        const QByteArray request("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        constexpr int kRequests = 100000; // ~10 MB of replies, more than the kernel buffers hold
        client.write(request.repeated(kRequests));
        // Give the proxy time to answer everything it would answer without back-pressure.
        for (int i = 0; i < 300 && h.counters().snapshot().localReplies < kRequests; ++i) {
            QTest::qWait(10);
        }
        constexpr std::int64_t kBound = 512LL * 1024; // the high-water mark (256 KiB) and one reply
        QVERIFY2(h.counters().snapshot().maxPendingWriteBytes < kBound,
                 QByteArray::number(qint64(h.counters().snapshot().maxPendingWriteBytes)).constData());
        // Reading resumes the paused pipeline: every request is answered, in bounded memory.
        client.setReadBufferSize(0);
        qint64 received = 0;
        QByteArray first;
        auto drain = [&] {
            const QByteArray bytes = client.readAll();
            if (first.size() < 200) {
                first += bytes.left(200);
            }
            received += bytes.size();
            const qsizetype one = first.indexOf(R"({"status":"ok"})");
            return one > 0 && received >= (one + 15) * qint64(kRequests);
        };
        QTRY_VERIFY_WITH_TIMEOUT(drain(), 60000);
        QVERIFY(first.startsWith("HTTP/1.1 200 OK\r\n"));
        QCOMPARE(h.counters().snapshot().localReplies, std::uint64_t(kRequests));
        QVERIFY(h.counters().snapshot().maxPendingWriteBytes < kBound);
    }

    void slowlorisIsCutWithoutSlowingOthers()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.options.limits.headerTimeout = 500ms;
        QVERIFY(h.start());
        ProxyTestClient slow;
        QVERIFY(slow.connectTo(h.port()));
        const QByteArray head =
            "GET /slow HTTP/1.1\r\nHost: x\r\nX-Padding: " + QByteArray(200, 'p') + "\r\n\r\n";
        QElapsedTimer timer;
        timer.start();
        qsizetype sent = 0;
        int served = 0;
        // One byte every 20 ms; meanwhile a normal client is served promptly (first right after the
        // first byte, so a slow machine that reaches the time-out early still checks one).
        while (slow.isConnected() && sent < head.size() && timer.elapsed() < 20000) {
            slow.send(head.mid(sent++, 1));
            if (sent % 10 == 1) {
                ProxyTestClient fast;
                QVERIFY(fast.connectTo(h.port()));
                fast.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
                const auto response = fast.readResponse(5000);
                QVERIFY(response);
                QCOMPARE(response->status, 200);
                ++served;
            }
            QTest::qWait(20);
            h.clock.advance(20ms); // the head's deadline reads the fake clock
        }
        QVERIFY(slow.waitForDisconnected());
        QVERIFY(sent < head.size());
        QVERIFY(slow.pending().startsWith("HTTP/1.1 408"));
        QVERIFY(served > 0);
        QCOMPARE(h.counters().snapshot().errorCount(ProxyErrorKind::ClientHeaderTimeout), 1u);
        for (const auto &request : h.upstream.requests()) {
            QCOMPARE(request.target, QByteArray("/fast"));
        }
    }

    void idleClientConnectionIsClosed()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.options.limits.clientIdleTimeout = 300ms;
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(client.readResponse());
        QVERIFY(h.advanceUntil([&client] { return !client.isConnected(); }, 300ms));
        QTRY_COMPARE_WITH_TIMEOUT(h.counters().snapshot().activeConnections, 0, 10000);
    }

    void clientAbortMidBodyFreesUpstream()
    {
        ProxyTestHarness h;
        h.publishToken();
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        // More than the read-ahead buffer, so the body streams through an upstream connection.
        client.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" +
                    QByteArray(70'000, 'x'));
        QTRY_COMPARE_WITH_TIMEOUT(h.upstream.openConnections(), 1, 10000);
        client.abort();
        // The half-sent upstream request cannot be reused: the proxy closes that connection.
        QTRY_COMPARE_WITH_TIMEOUT(h.upstream.openConnections(), 0, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(h.counters().snapshot().errorCount(ProxyErrorKind::ClientAborted), 1u,
                                  10000);
        QTRY_COMPARE_WITH_TIMEOUT(h.counters().snapshot().activeConnections, 0, 10000);
        QCOMPARE(h.upstream.requests().size(), 0);
    }

    void clientAbortMidResponseFreesUpstream()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.answerEveryRequest({.generatedBodyBytes = 50LL * 1024 * 1024});
        QVERIFY(h.start());
        auto *client = new ProxyTestClient(this);
        QVERIFY(client->connectTo(h.port()));
        client->send("GET /download HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client->pending().size() > 100000, 10000);
        client->abort();
        client->deleteLater();
        QTRY_COMPARE_WITH_TIMEOUT(h.upstream.openConnections(), 0, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(h.counters().snapshot().activeConnections, 0, 10000);
    }
};

QTEST_GUILESS_MAIN(tst_ProxyFailures)
#include "tst_ProxyFailures.moc"
