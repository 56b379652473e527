// ImmediateWriter sends at once while Qt has nothing queued, leaves the rest to Qt's buffer, and
// never lets a later write overtake bytes Qt still holds; a held buffer leaves with the next write, in
// the same system call.
#include "proxy/ImmediateWriter.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QNetworkDatagram>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QUdpSocket>

#include <memory>

using aap::proxy::ImmediateWriter;

class tst_ImmediateWriter : public QObject {
    Q_OBJECT

    struct Pair {
        std::unique_ptr<QTcpSocket> writer;
        QTcpSocket *reader = nullptr; // owned by the server
    };

    QTcpServer m_server;

    Pair connectedPair()
    {
        Pair pair;
        pair.writer = std::make_unique<QTcpSocket>();
        pair.writer->connectToHost(QHostAddress::LocalHost, m_server.serverPort());
        if (!pair.writer->waitForConnected(5000) || !m_server.waitForNewConnection(5000)) {
            return pair;
        }
        pair.reader = m_server.nextPendingConnection();
        return pair;
    }

    // Reads until `size` bytes arrived, letting the writer's event loop flush what Qt queued.
    static QByteArray readAll(Pair &pair, qsizetype size)
    {
        QByteArray received;
        QElapsedTimer timer;
        timer.start();
        while (received.size() < size && timer.elapsed() < 20000) {
            pair.writer->waitForBytesWritten(10);
            if (pair.reader->waitForReadyRead(10) || pair.reader->bytesAvailable() > 0) {
                received += pair.reader->readAll();
            }
        }
        return received;
    }

    static QByteArray pattern(qsizetype size, char seed)
    {
        QByteArray bytes(size, Qt::Uninitialized);
        for (qsizetype i = 0; i < size; ++i) {
            bytes[i] = static_cast<char>(seed + i % 251);
        }
        return bytes;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_server.listen(QHostAddress::LocalHost, 0)); }

    void smallWriteGoesOutAtOnceWithoutQtBuffer()
    {
        Pair pair = connectedPair();
        QVERIFY(pair.reader != nullptr);
        ImmediateWriter writer(*pair.writer, true);
        QVERIFY(writer.write(QByteArrayView("HTTP/1.1 200 OK\r\n\r\n")));
        QCOMPARE(pair.writer->bytesToWrite(), qint64{0});
        QCOMPARE(writer.sentDirectly(), qint64{19});
        // On the wire without the writer's event loop running.
        QVERIFY(pair.reader->waitForReadyRead(5000));
        QCOMPARE(pair.reader->readAll(), QByteArray("HTTP/1.1 200 OK\r\n\r\n"));
    }

    void whatTheKernelRefusesIsQueuedInOrder()
    {
        Pair pair = connectedPair();
        QVERIFY(pair.reader != nullptr);
        ImmediateWriter writer(*pair.writer, true);
        // More than the socket buffers take while nobody reads: the rest waits in Qt's buffer.
        const QByteArray first = pattern(16 * 1024 * 1024, 'a');
        QVERIFY(writer.write(first));
        QVERIFY(writer.sentDirectly() > 0);
        QVERIFY(writer.sentDirectly() < first.size());
        QCOMPARE(pair.writer->bytesToWrite(), first.size() - writer.sentDirectly());
        // A later write must not overtake the queued bytes.
        const qint64 direct = writer.sentDirectly();
        const QByteArray second("-tail-");
        QVERIFY(writer.write(second));
        QCOMPARE(writer.sentDirectly(), direct);
        const QByteArray received = readAll(pair, first.size() + second.size());
        QCOMPARE(received.size(), first.size() + second.size());
        QVERIFY(received == first + second);
    }

    void otherDevicesTakeQtsPath()
    {
        QByteArray bytes;
        QBuffer buffer(&bytes);
        QVERIFY(buffer.open(QIODevice::WriteOnly));
        ImmediateWriter writer(buffer);
        QVERIFY(writer.write(QByteArrayView("abc")));
        QVERIFY(writer.write(QByteArray("def")));
        QCOMPARE(bytes, QByteArray("abcdef"));
        QCOMPARE(writer.sentDirectly(), qint64{0});
    }

    void tlsSocketsTakeQtsPath()
    {
        Pair pair = connectedPair();
        QVERIFY(pair.reader != nullptr);
        ImmediateWriter writer(*pair.writer, false);
        QSignalSpy written(pair.writer.get(), &QTcpSocket::bytesWritten);
        QVERIFY(writer.write(QByteArray("queued")));
        QCOMPARE(writer.sentDirectly(), qint64{0});
        QCOMPARE(pair.writer->bytesToWrite(), qint64{6});
        QCOMPARE(readAll(pair, 6), QByteArray("queued"));
        QVERIFY(!written.isEmpty());
    }

    void heldBytesLeaveWithTheNextWriteInOrder()
    {
        Pair pair = connectedPair();
        QVERIFY(pair.reader != nullptr);
        ImmediateWriter writer(*pair.writer, true);
        QVERIFY(writer.hold(QByteArray("HTTP/1.1 200 OK\r\n\r\n")));
        // Nothing on the wire yet, and nothing left to Qt.
        QCOMPARE(writer.sentDirectly(), qint64{0});
        QCOMPARE(pair.writer->bytesToWrite(), qint64{0});
        QVERIFY(!pair.reader->waitForReadyRead(100));
        QVERIFY(writer.write(QByteArrayView("body")));
        QCOMPARE(writer.sentDirectly(), qint64{23});
        QCOMPARE(pair.writer->bytesToWrite(), qint64{0});
        QCOMPARE(readAll(pair, 23), QByteArray("HTTP/1.1 200 OK\r\n\r\nbody"));
        // Nothing is held any more.
        QVERIFY(writer.flush());
        QCOMPARE(writer.sentDirectly(), qint64{23});
    }

    void heldBytesAndTheWriteAreOneSystemCall()
    {
        // A datagram per system call: two sends would arrive as two datagrams.
        QUdpSocket reader;
        QVERIFY(reader.bind(QHostAddress::LocalHost, 0));
        QUdpSocket sender;
        sender.connectToHost(QHostAddress::LocalHost, reader.localPort());
        QVERIFY(sender.waitForConnected(5000));
        ImmediateWriter writer(sender, true);
        QVERIFY(writer.hold(QByteArray("head|")));
        QVERIFY(writer.write(QByteArray("body")));
        QVERIFY(writer.hold(QByteArray("second|")));
        QVERIFY(writer.flush());
        QCOMPARE(writer.sentDirectly(), qint64{16});
        QList<QByteArray> datagrams;
        QElapsedTimer timer;
        timer.start();
        while (datagrams.size() < 2 && timer.elapsed() < 5000) {
            if (reader.hasPendingDatagrams() || reader.waitForReadyRead(100)) {
                while (reader.hasPendingDatagrams()) {
                    datagrams << reader.receiveDatagram().data();
                }
            }
        }
        QCOMPARE(datagrams, QList<QByteArray>({"head|body", "second|"}));
    }

    void flushSendsHeldBytesAlone()
    {
        Pair pair = connectedPair();
        QVERIFY(pair.reader != nullptr);
        ImmediateWriter writer(*pair.writer, true);
        QVERIFY(writer.hold(QByteArray("first")));
        // A second hold sends the first one ahead of it.
        QVERIFY(writer.hold(QByteArray("-second")));
        QCOMPARE(writer.sentDirectly(), qint64{5});
        QVERIFY(writer.write(QByteArrayView()));
        QCOMPARE(writer.sentDirectly(), qint64{5});
        QVERIFY(writer.flush());
        QCOMPARE(writer.sentDirectly(), qint64{12});
        QCOMPARE(pair.writer->bytesToWrite(), qint64{0});
        QCOMPARE(readAll(pair, 12), QByteArray("first-second"));
    }

    void heldBytesTheKernelRefusesAreQueuedFirst()
    {
        Pair pair = connectedPair();
        QVERIFY(pair.reader != nullptr);
        ImmediateWriter writer(*pair.writer, true);
        // Held bytes larger than the socket buffers: part of them waits in Qt's buffer, then the write.
        const QByteArray held = pattern(16 * 1024 * 1024, 'h');
        const QByteArray second = pattern(64 * 1024, 's');
        QVERIFY(writer.hold(held));
        QVERIFY(writer.write(second));
        QVERIFY(writer.sentDirectly() > 0);
        QVERIFY(writer.sentDirectly() < held.size());
        QCOMPARE(pair.writer->bytesToWrite(), held.size() + second.size() - writer.sentDirectly());
        // Later held bytes wait behind Qt's buffer too.
        QVERIFY(writer.hold(QByteArray("-late")));
        QVERIFY(writer.flush());
        const QByteArray received = readAll(pair, held.size() + second.size() + 5);
        QCOMPARE(received.size(), held.size() + second.size() + 5);
        QVERIFY(received == held + second + "-late");
    }

    void aWriteTheKernelRefusesQueuesBehindTheHeldBytes()
    {
        Pair pair = connectedPair();
        QVERIFY(pair.reader != nullptr);
        ImmediateWriter writer(*pair.writer, true);
        const QByteArray held("HTTP/1.1 200 OK\r\n\r\n");
        const QByteArray body = pattern(16 * 1024 * 1024, 'b');
        QVERIFY(writer.hold(held));
        QVERIFY(writer.write(body));
        QVERIFY(writer.sentDirectly() > held.size());
        QVERIFY(writer.sentDirectly() < held.size() + body.size());
        QCOMPARE(pair.writer->bytesToWrite(), held.size() + body.size() - writer.sentDirectly());
        const QByteArray received = readAll(pair, held.size() + body.size());
        QCOMPARE(received.size(), held.size() + body.size());
        QVERIFY(received == held + body);
    }

    void holdOnQtsPathWritesAtOnce()
    {
        Pair pair = connectedPair();
        QVERIFY(pair.reader != nullptr);
        ImmediateWriter writer(*pair.writer, false);
        QVERIFY(writer.hold(QByteArray("head|")));
        QCOMPARE(pair.writer->bytesToWrite(), qint64{5});
        QVERIFY(writer.write(QByteArrayView("body")));
        QVERIFY(writer.flush());
        QCOMPARE(writer.sentDirectly(), qint64{0});
        QCOMPARE(readAll(pair, 9), QByteArray("head|body"));

        QByteArray bytes;
        QBuffer buffer(&bytes);
        QVERIFY(buffer.open(QIODevice::WriteOnly));
        ImmediateWriter other(buffer);
        QVERIFY(other.hold(QByteArray("abc")));
        QCOMPARE(bytes, QByteArray("abc"));
        QVERIFY(other.write(QByteArrayView("def")));
        QVERIFY(other.flush());
        QCOMPARE(bytes, QByteArray("abcdef"));
    }

    void closedPeerIsReportedByQt()
    {
        Pair pair = connectedPair();
        QVERIFY(pair.reader != nullptr);
        pair.reader->abort(); // RST on the next write
        QTest::qWait(50);
        ImmediateWriter writer(*pair.writer, true);
        QSignalSpy errors(pair.writer.get(), &QTcpSocket::errorOccurred);
        // The first send may still be accepted; the reset shows on a later one, and Qt learns of it.
        for (int i = 0; i < 50 && errors.isEmpty() && pair.writer->state() == QAbstractSocket::ConnectedState;
             ++i) {
            writer.write(pattern(64 * 1024, 'x'));
            pair.writer->waitForBytesWritten(20);
        }
        QVERIFY(!errors.isEmpty() || pair.writer->state() != QAbstractSocket::ConnectedState);
    }
};

QTEST_GUILESS_MAIN(tst_ImmediateWriter)
#include "tst_ImmediateWriter.moc"
