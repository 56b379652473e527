#include "support/ProxyTestClient.h"
#include "support/ProxyTestHarness.h"

#include <QFile>
#include <QTest>

using namespace std::chrono_literals;
using aap::test::FakeUpstream;
using aap::test::ProxyTestClient;
using aap::test::ProxyTestHarness;

namespace {

constexpr qint64 kHundredMiB = 100LL * 1024 * 1024;
// The proxy's write-side high-water mark is 256 KiB; one read slice (64 KiB) may land on top.
constexpr qint64 kMaxPendingBytes = 512LL * 1024;

// Resident set of this process in KiB (Linux); 0 where unknown.
qint64 residentKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly)) {
        return 0;
    }
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("VmRSS:")) {
            return line.mid(6).trimmed().split(' ').first().toLongLong();
        }
    }
    return 0;
}

} // namespace

// 100 MiB bodies pass in both directions without being held in memory: the proxy reads from one
// side only while the other side's write buffer is below its bound.
class tst_ProxyStreaming : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void largeUploadStreamsWithBoundedBuffers_data()
    {
        QTest::addColumn<bool>("chunked");
        QTest::newRow("content-length") << false;
        QTest::newRow("chunked") << true;
    }
    void largeUploadStreamsWithBoundedBuffers()
    {
        QFETCH(bool, chunked);
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.setHandler([](const FakeUpstream::Request &request) {
            FakeUpstream::Response response;
            response.body = QByteArray::number(request.bodySize);
            return response;
        });
        QVERIFY(h.start());
        const qint64 rssBefore = residentKiB();
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        if (chunked) {
            // One huge chunk: the decoder streams its data as it arrives.
            client.send("PUT /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                        QByteArray::number(kHundredMiB, 16) + "\r\n");
        } else {
            client.send("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                        QByteArray::number(kHundredMiB) + "\r\n\r\n");
        }
        QVERIFY(client.sendPattern(kHundredMiB));
        if (chunked) {
            client.send("\r\n0\r\n\r\n");
        }
        const auto response = client.readResponse(120000);
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->body, QByteArray::number(kHundredMiB));
        QCOMPARE(h.upstream.requests().first().bodySha256, FakeUpstream::patternSha256(kHundredMiB));
        const qint64 maxPending = h.counters().snapshot().maxPendingWriteBytes;
        qInfo() << "max bytes pending in a proxy socket:" << maxPending
                << "RSS growth KiB:" << residentKiB() - rssBefore;
        QVERIFY2(maxPending <= kMaxPendingBytes, qPrintable(QString::number(maxPending)));
    }

    void largeDownloadStreamsWithBoundedBuffers_data()
    {
        QTest::addColumn<bool>("chunked");
        QTest::addColumn<bool>("http10");
        QTest::newRow("content-length") << false << false;
        QTest::newRow("chunked") << true << false;
        QTest::newRow("chunked to HTTP/1.0") << true << true;
    }
    void largeDownloadStreamsWithBoundedBuffers()
    {
        QFETCH(bool, chunked);
        QFETCH(bool, http10);
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.setHandler([chunked](const FakeUpstream::Request &) {
            FakeUpstream::Response response;
            response.generatedBodyBytes = kHundredMiB;
            response.chunked = chunked;
            return response;
        });
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send(http10 ? QByteArray("GET /download HTTP/1.0\r\n\r\n")
                           : QByteArray("GET /download HTTP/1.1\r\nHost: x\r\n\r\n"));
        const auto response = client.readResponse(120000);
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->bodySize, kHundredMiB);
        QCOMPARE(response->bodySha256, FakeUpstream::patternSha256(kHundredMiB));
        const qint64 maxPending = h.counters().snapshot().maxPendingWriteBytes;
        qInfo() << "max bytes pending in a proxy socket:" << maxPending;
        QVERIFY2(maxPending <= kMaxPendingBytes, qPrintable(QString::number(maxPending)));
    }

    void closeDelimitedResponseIsRelayed()
    {
        ProxyTestHarness h;
        h.publishToken();
        h.upstream.answerEveryRequest({.generatedBodyBytes = 3LL * 1024 * 1024, .closeDelimited = true});
        QVERIFY(h.start());
        ProxyTestClient &client = h.connectedClient();
        QVERIFY(client.isConnected());
        client.send("GET /until-close HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto response = client.readResponse(60000);
        QVERIFY(response);
        QCOMPARE(response->bodySize, 3 * 1024 * 1024);
        QCOMPARE(response->bodySha256, FakeUpstream::patternSha256(3LL * 1024 * 1024));
        QVERIFY(client.waitForDisconnected());
    }
};

QTEST_GUILESS_MAIN(tst_ProxyStreaming)
#include "tst_ProxyStreaming.moc"
