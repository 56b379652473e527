#include "proxy/BodyRelay.h"
#include "proxy/ImmediateWriter.h"
#include "proxy/SocketInput.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using aap::http::BodyFraming;
using aap::http::HttpError;
using aap::proxy::BodyRelay;
using aap::proxy::ImmediateWriter;
using aap::proxy::SocketInput;
using Output = BodyRelay::Output;

Q_DECLARE_METATYPE(BodyFraming)
Q_DECLARE_METATYPE(BodyRelay::Output)

namespace {

// A read-only device holding `bytes`.
std::unique_ptr<QBuffer> sourceOf(const QByteArray &bytes)
{
    auto buffer = std::make_unique<QBuffer>();
    buffer->setData(bytes);
    buffer->open(QIODevice::ReadOnly);
    return buffer;
}

} // namespace

class tst_ProxyBodyRelay : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_pending.clear();
        m_sinkBytes.clear();
        m_sink.close();
        m_sink.setBuffer(&m_sinkBytes);
        m_sink.open(QIODevice::WriteOnly);
    }

    void relays_data()
    {
        QTest::addColumn<BodyFraming>("framing");
        QTest::addColumn<quint64>("length");
        QTest::addColumn<Output>("output");
        QTest::addColumn<QByteArray>("pending"); // read with the head
        QTest::addColumn<QByteArray>("source");
        QTest::addColumn<QByteArray>("written");
        QTest::addColumn<bool>("done");
        QTest::addColumn<QByteArray>("pendingAfter"); // what follows the body
        QTest::addColumn<QByteArray>("sourceAfter");  // left unread in the source

        const QByteArray chunked = "5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n";
        QTest::newRow("length: pending, then the source")
            << BodyFraming::ContentLength << quint64{8} << Output::Raw << QByteArray("abc")
            << QByteArray("defghNEXT") << QByteArray("abcdefgh") << true << QByteArray()
            << QByteArray("NEXT");
        QTest::newRow("length: the next request was read ahead")
            << BodyFraming::ContentLength << quint64{5} << Output::Raw << QByteArray("abcdeGET /")
            << QByteArray("more") << QByteArray("abcde") << true << QByteArray("GET /") << QByteArray("more");
        QTest::newRow("length: more to come")
            << BodyFraming::ContentLength << quint64{10} << Output::Raw << QByteArray() << QByteArray("abc")
            << QByteArray("abc") << false << QByteArray() << QByteArray();
        QTest::newRow("chunked raw keeps trailers")
            << BodyFraming::Chunked << quint64{0} << Output::Raw << QByteArray() << chunked + "NEXT"
            << chunked << true << QByteArray("NEXT") << QByteArray();
        QTest::newRow("chunked without trailers")
            << BodyFraming::Chunked << quint64{0} << Output::RawNoTrailers << QByteArray("5\r\nhel")
            << QByteArray("lo\r\n0\r\nX-Trailer: 1\r\n\r\n") << QByteArray("5\r\nhello\r\n0\r\n\r\n") << true
            << QByteArray() << QByteArray();
        QTest::newRow("chunked payload") << BodyFraming::Chunked << quint64{0} << Output::Payload
                                         << QByteArray() << QByteArray("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
                                         << QByteArray("abcde") << true << QByteArray() << QByteArray();
        QTest::newRow("chunked: incomplete")
            << BodyFraming::Chunked << quint64{0} << Output::Payload << QByteArray() << QByteArray("5\r\nhel")
            << QByteArray("hel") << false << QByteArray() << QByteArray();
        QTest::newRow("until close") << BodyFraming::UntilClose << quint64{0} << Output::Raw
                                     << QByteArray("ab") << QByteArray("cd") << QByteArray("abcd") << false
                                     << QByteArray() << QByteArray();
    }
    void relays()
    {
        QFETCH(BodyFraming, framing);
        QFETCH(quint64, length);
        QFETCH(Output, output);
        QFETCH(QByteArray, pending);
        QFETCH(QByteArray, source);
        QFETCH(QByteArray, written);
        QFETCH(bool, done);
        QFETCH(QByteArray, pendingAfter);
        QFETCH(QByteArray, sourceAfter);
        BodyRelay relay(m_pending, m_scratch, {});
        relay.start(framing, length, output);
        m_pending = pending;
        const auto device = sourceOf(source);
        SocketInput input(*device);
        const auto moved = relay.move(&input, m_sinkOut);
        QVERIFY(moved.has_value());
        QCOMPARE(m_sinkBytes, written);
        QCOMPARE(moved->done, done);
        QCOMPARE(m_pending, pendingAfter);
        QCOMPARE(device->readAll(), sourceAfter);
        QCOMPARE(moved->bytes, pending.size() + source.size() - pendingAfter.size() - sourceAfter.size());
    }

    void malformedChunkIsAnError()
    {
        BodyRelay relay(m_pending, m_scratch, {});
        relay.start(BodyFraming::Chunked, 0, Output::Raw);
        const auto device = sourceOf("zz\r\n");
        SocketInput input(*device);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("bad chunked body")));
        const auto moved = relay.move(&input, m_sinkOut);
        QVERIFY(!moved.has_value());
        QCOMPARE(moved.error(), HttpError::BadChunk);
    }

    void chunksAcrossCallsWithoutSource()
    {
        BodyRelay relay(m_pending, m_scratch, {});
        relay.start(BodyFraming::Chunked, 0, Output::Payload);
        for (const char *piece : {"4\r", "\nwi", "ki\r\n", "0\r\n", "\r\n"}) {
            m_pending = piece;
            const auto moved = relay.move(nullptr, m_sinkOut);
            QVERIFY(moved.has_value());
            QCOMPARE(moved->done, QByteArrayView(piece) == QByteArrayView("\r\n"));
        }
        QCOMPARE(m_sinkBytes, QByteArray("wiki"));
        QVERIFY(m_pending.isEmpty());
    }

    // The head goes first, whether body bytes follow in the same call, none are there yet, or the
    // body turns out malformed (the client then sees the head and a cut connection, as before).
    void headGoesFirst_data()
    {
        QTest::addColumn<BodyFraming>("framing");
        QTest::addColumn<QByteArray>("pending");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QByteArray>("written");
        QTest::newRow("body with the head")
            << BodyFraming::ContentLength << QByteArray("abc") << true << QByteArray("HEAD|abc");
        QTest::newRow("no body bytes yet")
            << BodyFraming::ContentLength << QByteArray() << true << QByteArray("HEAD|");
        QTest::newRow("chunked") << BodyFraming::Chunked << QByteArray("1\r\nx\r\n") << true
                                 << QByteArray("HEAD|1\r\nx\r\n");
        QTest::newRow("malformed chunk")
            << BodyFraming::Chunked << QByteArray("zz\r\n") << false << QByteArray("HEAD|");
    }
    void headGoesFirst()
    {
        QFETCH(BodyFraming, framing);
        QFETCH(QByteArray, pending);
        QFETCH(bool, valid);
        QFETCH(QByteArray, written);
        BodyRelay relay(m_pending, m_scratch, {});
        relay.start(framing, 3, Output::Raw);
        m_pending = pending;
        if (!valid) {
            QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("bad chunked body")));
        }
        const auto moved = relay.move(nullptr, m_sinkOut, "HEAD|");
        QCOMPARE(moved.has_value(), valid);
        QCOMPARE(m_sinkBytes, written);
        // Only the first call carries the head.
        if (valid) {
            QVERIFY(relay.move(nullptr, m_sinkOut).has_value());
            QCOMPARE(m_sinkBytes, written);
        }
    }

    void startResetsTheBody()
    {
        BodyRelay relay(m_pending, m_scratch, {});
        relay.start(BodyFraming::Chunked, 0, Output::Payload);
        m_pending = "5\r\nab";
        QVERIFY(relay.move(nullptr, m_sinkOut).has_value());
        relay.start(BodyFraming::ContentLength, 3, Output::Raw);
        QCOMPARE(relay.remaining(), quint64{3});
        m_pending = "xyz";
        const auto moved = relay.move(nullptr, m_sinkOut);
        QVERIFY(moved.has_value() && moved->done);
        QCOMPARE(m_sinkBytes, QByteArray("abxyz"));
        QCOMPARE(relay.remaining(), quint64{0});
    }

    void readAvailableHonoursTheLimit()
    {
        QByteArray buffer = "ab";
        const auto device = sourceOf("cdefgh");
        SocketInput input(*device);
        QVERIFY(BodyRelay::readAvailable(input, buffer, 5));
        QCOMPARE(buffer, QByteArray("abcde"));
        QVERIFY(!BodyRelay::readAvailable(input, buffer, 5));
        buffer.clear();
        QVERIFY(BodyRelay::readAvailable(input, buffer, 100));
        QCOMPARE(buffer, QByteArray("fgh"));
        QVERIFY(!BodyRelay::readAvailable(input, buffer, 100));
    }

    void chunkedPrefix()
    {
        QVERIFY(BodyRelay::chunkedPrefixIsValid("", {}));
        QVERIFY(BodyRelay::chunkedPrefixIsValid("5\r\nhel", {}));
        QVERIFY(BodyRelay::chunkedPrefixIsValid("0\r\n\r\ngarbage after the end", {}));
        QVERIFY(!BodyRelay::chunkedPrefixIsValid("5\r\nhelloXX", {}));
    }

    // Between real sockets on 127.0.0.1: a body larger than the sink's high-water mark arrives whole.
    void betweenSockets()
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QTcpSocket client;
        QTcpSocket relayOut;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(server.waitForNewConnection(5000));
        std::unique_ptr<QTcpSocket> relayIn(server.nextPendingConnection());
        // As the proxy's sockets do: Qt reads ahead at most this much, the kernel holds the rest.
        constexpr qint64 readAhead = qint64{64} * 1024;
        relayIn->setReadBufferSize(readAhead);
        relayOut.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(server.waitForNewConnection(5000));
        std::unique_ptr<QTcpSocket> receiver(server.nextPendingConnection());
        QTRY_COMPARE(relayOut.state(), QAbstractSocket::ConnectedState);
        ImmediateWriter relayWriter(relayOut, true);
        SocketInput relayInput(*relayIn);

        QByteArray body(qsizetype{3} * BodyRelay::kHighWaterBytes, Qt::Uninitialized);
        for (qsizetype i = 0; i < body.size(); ++i) {
            body[i] = static_cast<char>('a' + i % 26);
        }
        client.write(body);
        QByteArray received;
        connect(receiver.get(), &QTcpSocket::readyRead, this, [&] { received += receiver->readAll(); });

        m_scratch.resize(16 * 1024);
        BodyRelay relay(m_pending, m_scratch, {});
        relay.start(BodyFraming::ContentLength, static_cast<quint64>(body.size()), Output::Raw);
        qint64 relayed = 0;
        bool done = false;
        QElapsedTimer timer;
        timer.start();
        while (!done && timer.elapsed() < 20000) {
            QTest::qWait(1);
            const auto moved = relay.move(&relayInput, relayWriter);
            QVERIFY(moved.has_value());
            // Reading pauses at the high-water mark; one read-ahead's worth may land on top of it.
            QVERIFY(relayOut.bytesToWrite() < BodyRelay::kHighWaterBytes + readAhead);
            relayed += moved->bytes;
            done = moved->done;
        }
        QVERIFY(done);
        QCOMPARE(relayed, body.size());
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), body.size(), 20000);
        QVERIFY(received == body);
    }

private:
    QByteArray m_pending;
    QByteArray m_scratch = QByteArray(4096, Qt::Uninitialized);
    QByteArray m_sinkBytes;
    QBuffer m_sink;
    ImmediateWriter m_sinkOut{m_sink};
};

QTEST_GUILESS_MAIN(tst_ProxyBodyRelay)
#include "tst_ProxyBodyRelay.moc"
