#pragma once

#include <QByteArray>
#include <QPointer>

class QIODevice;
class QSocketNotifier;
class QTcpSocket;

namespace aap::proxy {

// The bytes a connection has received and not used yet. Either Qt reads the socket (TLS, Windows,
// any other device) and this is a view of its read buffer, or, on a plain-text TCP socket on Unix,
// the connection reads the descriptor itself: its owner turns the read notifier's activations
// into fill() calls and Qt never reads. Qt's reads cost an ioctl(FIONREAD) each and a fresh 16 KiB
// buffer chunk per read, which malloc serves from its slow path once telemetry queues fragment the
// heap; fill() reads into one receive buffer per thread and keeps exactly what arrived.
class SocketInput {
public:
    enum class Fill {
        Data,    // bytes arrived
        Nothing, // a spurious wake-up, or reading is paused at the limit
        End,     // the peer will send nothing more (the sending side may still be open)
        Failed,  // reset or another error: the connection is gone
    };

    explicit SocketInput(QIODevice &device);

    // Switches to reading the descriptor directly when `socket` allows it (plain text, Unix, a
    // connected descriptor with its read notifier); returns that notifier, whose activations the
    // caller must filter and turn into fill(), or null when Qt keeps reading. Reading pauses while
    // `limit` bytes wait unused.
    QSocketNotifier *readDirectly(QTcpSocket &socket, qint64 limit);
    // One receive (64 KiB at most); what arrived is kept.
    Fill fill();
    // The socket is about to close: its notifier goes with it.
    void stopReading();

    [[nodiscard]] bool direct() const { return m_descriptor >= 0; }
    [[nodiscard]] qint64 available() const;
    qint64 read(char *into, qint64 maxSize);
    // The next `count` bytes; without a copy when they are all that is available.
    QByteArray take(qint64 count);
    void discardAll();

private:
    void resumeBelowLimit();

    QIODevice &m_device;
    QPointer<QSocketNotifier> m_notifier;
    int m_descriptor = -1;
    qint64 m_limit = 0;
    QByteArray m_buffer; // direct mode: received, not used yet
    bool m_paused = false;
    bool m_ended = false;
};

} // namespace aap::proxy
