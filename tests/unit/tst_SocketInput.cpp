// SocketInput in both modes: a view of Qt's read buffer, and direct reads of a plain-text socket's
// descriptor (the notifier's activations turned into fill() calls, the reading paused at the
// limit, the end of input kept apart from a reset, and the sending side left open).
#include "proxy/SocketInput.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QEvent>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>
#include <optional>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

using aap::proxy::SocketInput;
using Fill = SocketInput::Fill;

Q_DECLARE_METATYPE(SocketInput::Fill)

namespace {

// What the proxy's connections do with the notifier: every activation becomes one fill().
class FillOnActivation : public QObject {
public:
    explicit FillOnActivation(SocketInput &input) : m_input(input) {}

    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() != QEvent::SockAct) {
            return QObject::eventFilter(watched, event);
        }
        last = m_input.fill();
        ++fills;
        return true;
    }

    Fill last = Fill::Nothing;
    int fills = 0;

private:
    SocketInput &m_input;
};

} // namespace

class tst_SocketInput : public QObject {
    Q_OBJECT

    QTcpServer m_server;
    std::unique_ptr<QTcpSocket> m_peer; // the other end: writes to the socket under test
    QTcpSocket *m_socket = nullptr;     // owned by the server

    [[nodiscard]] bool connectPair()
    {
        m_peer = std::make_unique<QTcpSocket>();
        m_peer->connectToHost(QHostAddress::LocalHost, m_server.serverPort());
        if (!m_peer->waitForConnected(5000) || !m_server.waitForNewConnection(5000)) {
            return false;
        }
        m_socket = m_server.nextPendingConnection();
        return m_socket != nullptr;
    }

    // The socket under test, read directly, every notifier activation turned into fill().
    struct Direct {
        explicit Direct(QTcpSocket &socket) : input(socket), filter(input) {}
        SocketInput input;
        FillOnActivation filter;
        QSocketNotifier *notifier = nullptr;
    };

    // Null unless the pair connected and the socket went direct.
    std::unique_ptr<Direct> connectDirect(qint64 limit)
    {
        if (!connectPair()) {
            return nullptr;
        }
        auto direct = std::make_unique<Direct>(*m_socket);
        direct->notifier = direct->input.readDirectly(*m_socket, limit);
        if (direct->notifier == nullptr || !direct->input.direct()) {
            return nullptr;
        }
        direct->notifier->installEventFilter(&direct->filter);
        return direct;
    }

    static QByteArray pattern(qsizetype size)
    {
        QByteArray bytes(size, Qt::Uninitialized);
        for (qsizetype i = 0; i < size; ++i) {
            bytes[i] = static_cast<char>('a' + i % 26);
        }
        return bytes;
    }

    // Runs the event loop until `input` holds `size` bytes or the filter saw `until`.
    static void pumpUntil(const SocketInput &input, const FillOnActivation &filter, qint64 size,
                          std::optional<Fill> until = std::nullopt)
    {
        QElapsedTimer timer;
        timer.start();
        while (input.available() < size && (!until || filter.last != *until) && timer.elapsed() < 10000) {
            QTest::qWait(5);
        }
    }

private slots:
    void initTestCase() { QVERIFY(m_server.listen(QHostAddress::LocalHost, 0)); }

    void cleanup()
    {
        m_peer.reset();
        delete m_socket;
        m_socket = nullptr;
    }

    void qtModeReadsTheDevice()
    {
        QBuffer buffer;
        buffer.setData("abcdefgh");
        QVERIFY(buffer.open(QIODevice::ReadOnly));
        SocketInput input(buffer);
        QVERIFY(!input.direct());
        QCOMPARE(input.available(), 8);
        QCOMPARE(input.take(3), QByteArray("abc"));
        char bytes[2] = {};
        QCOMPARE(input.read(bytes, 2), 2);
        QCOMPARE(QByteArray(bytes, 2), QByteArray("de"));
        input.discardAll();
        QCOMPARE(input.available(), 0);
    }

#ifdef Q_OS_UNIX // direct reads are Unix-only
    void directReadsKeepWhatArrived()
    {
        const auto direct = connectDirect(1024 * 1024);
        QVERIFY(direct != nullptr);
        SocketInput &input = direct->input;
        const FillOnActivation &filter = direct->filter;

        m_peer->write("GET / HTTP/1.1\r\n\r\nrest");
        QVERIFY(m_peer->waitForBytesWritten(5000));
        pumpUntil(input, filter, 22);
        QCOMPARE(filter.last, Fill::Data);
        QCOMPARE(input.available(), 22);
        // Qt never read: its own buffer stays empty.
        QCOMPARE(m_socket->bytesAvailable(), 0);
        QCOMPARE(input.take(18), QByteArray("GET / HTTP/1.1\r\n\r\n"));
        char bytes[8] = {};
        QCOMPARE(input.read(bytes, 8), 4);
        QCOMPARE(QByteArray(bytes, 4), QByteArray("rest"));
        QCOMPARE(input.read(bytes, 8), 0);

        m_peer->write("whole");
        QVERIFY(m_peer->waitForBytesWritten(5000));
        pumpUntil(input, filter, 5);
        QCOMPARE(input.take(input.available()), QByteArray("whole"));
        QCOMPARE(input.available(), 0);
    }

    // A large receive is handed on with room behind it: the read-ahead of a body appends the
    // rest there (about the head's size) instead of moving the 64 KiB to a larger array.
    void largeReceiveLeavesRoomBehindIt()
    {
        const auto direct = connectDirect(1024 * 1024);
        QVERIFY(direct != nullptr);
        SocketInput &input = direct->input;
        constexpr qsizetype full = qsizetype{64} * 1024;
        constexpr qsizetype head = 300;
        const QByteArray first = pattern(full);
        m_peer->write(first);
        QVERIFY(m_peer->waitForBytesWritten(5000));
        pumpUntil(input, direct->filter, full);
        QByteArray received = input.take(input.available());
        QCOMPARE(received, first);
        // What RequestBody does: the head leaves at the front, the rest of the body comes behind.
        received.remove(0, head);
        const char *data = received.constData();
        m_peer->write(QByteArray(head, 'x'));
        QVERIFY(m_peer->waitForBytesWritten(5000));
        pumpUntil(input, direct->filter, head);
        received.append(input.take(input.available()));
        QCOMPARE(received.size(), full);
        QVERIFY(received.constData() == data); // appended in place, nothing moved
        QCOMPARE(received.last(head), QByteArray(head, 'x'));
    }

    // Reading pauses while `limit` bytes wait unused, so a client that sends faster than the proxy
    // forwards is held back by TCP, not buffered without bound; using the bytes resumes it.
    void pausesAtTheLimitAndResumes()
    {
        constexpr qint64 limit = 16 * 1024;
        const auto direct = connectDirect(limit);
        QVERIFY(direct != nullptr);
        SocketInput &input = direct->input;
        const FillOnActivation &filter = direct->filter;
        QSocketNotifier *notifier = direct->notifier;

        const QByteArray sent = pattern(qsizetype{1024} * 1024);
        m_peer->write(sent);
        pumpUntil(input, filter, limit);
        QTRY_VERIFY_WITH_TIMEOUT(!notifier->isEnabled(), 10000);
        const qint64 held = input.available();
        QVERIFY(held >= limit);
        // One receive's worth may land on top of the limit, never more.
        QVERIFY(held < limit + 64 * 1024);
        QTest::qWait(50);
        QCOMPARE(input.available(), held);

        QByteArray received;
        QElapsedTimer timer;
        timer.start();
        while (received.size() < sent.size() && timer.elapsed() < 20000) {
            received += input.take(input.available());
            QVERIFY(notifier->isEnabled());
            m_peer->waitForBytesWritten(5);
            QTest::qWait(1);
        }
        QCOMPARE(received.size(), sent.size());
        QVERIFY(received == sent);
    }

    // A peer that half-closes: the end of input is reported once, the notifier stops (no busy
    // loop), what arrived before stays, and the socket can still answer.
    void endOfInputLeavesTheSendingSideOpen()
    {
        const auto direct = connectDirect(1024 * 1024);
        QVERIFY(direct != nullptr);
        SocketInput &input = direct->input;
        const FillOnActivation &filter = direct->filter;
        QSocketNotifier *notifier = direct->notifier;

        m_peer->write("request");
        QVERIFY(m_peer->waitForBytesWritten(5000));
        QCOMPARE(::shutdown(static_cast<int>(m_peer->socketDescriptor()), SHUT_WR), 0);
        pumpUntil(input, filter, 1 << 30, Fill::End);
        QCOMPARE(filter.last, Fill::End);
        QVERIFY(!notifier->isEnabled());
        QCOMPARE(input.take(input.available()), QByteArray("request"));
        const int fills = filter.fills;
        QTest::qWait(50);
        QCOMPARE(filter.fills, fills);
        QCOMPARE(input.fill(), Fill::End);

        QCOMPARE(m_socket->state(), QAbstractSocket::ConnectedState);
        // Through the event loop: Qt's blocking waits would read the end of input themselves.
        m_socket->write("response");
        QByteArray answer;
        QTRY_COMPARE_WITH_TIMEOUT((answer += m_peer->readAll()), QByteArray("response"), 5000);
    }

    void resetIsAFailure()
    {
        const auto direct = connectDirect(1024 * 1024);
        QVERIFY(direct != nullptr);

        // A zero linger time makes the close a reset instead of a FIN.
        const linger abortive{1, 0};
        QCOMPARE(::setsockopt(static_cast<int>(m_peer->socketDescriptor()), SOL_SOCKET, SO_LINGER, &abortive,
                              sizeof abortive),
                 0);
        m_peer->abort();
        pumpUntil(direct->input, direct->filter, 1 << 30, Fill::Failed);
        QCOMPARE(direct->filter.last, Fill::Failed);
        QVERIFY(!direct->notifier->isEnabled());
    }

#endif

    // Bytes Qt already buffered would be read after newer ones: such a socket stays with Qt.
    void qtKeepsASocketWithBufferedBytes()
    {
        QVERIFY(connectPair());
        m_peer->write("early");
        QVERIFY(m_peer->waitForBytesWritten(5000));
        QVERIFY(m_socket->waitForReadyRead(5000));
        SocketInput input(*m_socket);
        QCOMPARE(input.readDirectly(*m_socket, 1024), nullptr);
        QVERIFY(!input.direct());
        QCOMPARE(input.take(input.available()), QByteArray("early"));
    }
};

QTEST_GUILESS_MAIN(tst_SocketInput)
#include "tst_SocketInput.moc"
