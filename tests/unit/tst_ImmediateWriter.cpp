// ImmediateWriter sends at once while Qt has nothing queued, leaves the rest to Qt's buffer, and
// never lets a later write overtake bytes Qt still holds.
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

    // Head and body in one sendmsg(2): a connected UDP socket turns one system call into one datagram.
    void headAndBodyLeaveInOneSystemCall()
    {
        QUdpSocket receiver;
        QVERIFY(receiver.bind(QHostAddress::LocalHost, 0));
        QUdpSocket sender;
        sender.connectToHost(QHostAddress::LocalHost, receiver.localPort());
        QCOMPARE(sender.state(), QAbstractSocket::ConnectedState);
        ImmediateWriter writer(sender, true);
        QVERIFY(writer.write(QByteArrayView("HTTP/1.1 200 OK\r\n\r\n"), QByteArray("body")));
        QCOMPARE(writer.sentDirectly(), qint64{23});
        QTRY_VERIFY(receiver.hasPendingDatagrams());
        QCOMPARE(receiver.receiveDatagram().data(), QByteArray("HTTP/1.1 200 OK\r\n\r\nbody"));
        QVERIFY(!receiver.hasPendingDatagrams());
    }

    // What the kernel refuses of either part is queued in order, and later writes wait behind it.
    void partsTheKernelRefusesAreQueuedInOrder_data()
    {
        QTest::addColumn<qsizetype>("firstSize");
        QTest::addColumn<qsizetype>("secondSize");
        QTest::addColumn<bool>("secondWhole");
        QTest::newRow("large head") << qsizetype{16 * 1024 * 1024} << qsizetype{10} << true;
        QTest::newRow("large body") << qsizetype{100} << qsizetype{16 * 1024 * 1024} << true;
        QTest::newRow("large body, a view") << qsizetype{100} << qsizetype{16 * 1024 * 1024} << false;
    }
    void partsTheKernelRefusesAreQueuedInOrder()
    {
        QFETCH(qsizetype, firstSize);
        QFETCH(qsizetype, secondSize);
        QFETCH(bool, secondWhole);
        Pair pair = connectedPair();
        QVERIFY(pair.reader != nullptr);
        ImmediateWriter writer(*pair.writer, true);
        const QByteArray first = pattern(firstSize, 'a');
        const QByteArray second = pattern(secondSize, 'k');
        QVERIFY(secondWhole ? writer.write(first, second) : writer.write(first, QByteArrayView(second)));
        QVERIFY(writer.sentDirectly() > 0);
        QCOMPARE(pair.writer->bytesToWrite(), first.size() + second.size() - writer.sentDirectly());
        const qint64 direct = writer.sentDirectly();
        QVERIFY(writer.write(QByteArrayView("-tail-"), QByteArrayView("+")));
        QCOMPARE(writer.sentDirectly(), direct);
        const QByteArray received = readAll(pair, first.size() + second.size() + 7);
        QCOMPARE(received.size(), first.size() + second.size() + 7);
        QVERIFY(received == first + second + "-tail-+");
    }

    void otherDevicesTakeQtsPath()
    {
        QByteArray bytes;
        QBuffer buffer(&bytes);
        QVERIFY(buffer.open(QIODevice::WriteOnly));
        ImmediateWriter writer(buffer);
        QVERIFY(writer.write(QByteArrayView("abc")));
        QVERIFY(writer.write(QByteArray("def")));
        QVERIFY(writer.write(QByteArrayView("gh"), QByteArray("ij")));
        QCOMPARE(bytes, QByteArray("abcdefghij"));
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
