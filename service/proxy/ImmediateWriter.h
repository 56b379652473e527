#pragma once

#include <QByteArray>
#include <QByteArrayView>

class QAbstractSocket;
class QIODevice;

namespace aap::proxy {

// Writes to a plain-text TCP socket with send(2) at once when Qt holds nothing unwritten for it;
// what the kernel does not take goes to Qt's write buffer as before, so the bytes keep their order
// and back-pressure (bytesToWrite(), bytesWritten()) still works. QAbstractSocket::write() instead
// appends to a ring-buffer chunk of 32 KiB that the socket then keeps for its whole life (65 MB of
// heap for 2,000 idle keep-alive clients), arms the write notifier and sends on the loop's next pass.
// TLS sockets, and platforms other than Unix, always take Qt's path.
class ImmediateWriter {
public:
    // `plainText`: the socket carries no TLS layer, so its descriptor may be written directly.
    ImmediateWriter(QAbstractSocket &socket, bool plainText);
    // Any other device: always Qt's path.
    explicit ImmediateWriter(QIODevice &device);

    // False when the socket can take nothing more (Qt's write() returned -1).
    bool write(QByteArrayView bytes);
    // The same; when the kernel takes none of it, Qt's buffer keeps `bytes` by reference (4 KiB or
    // more) instead of copying them.
    bool write(const QByteArray &bytes);
    // `first` then `second`, with one system call when both go directly (a message head and the
    // body bytes that follow it). The second form lets Qt's buffer keep `second` by reference.
    bool write(QByteArrayView first, QByteArrayView second);
    bool write(QByteArrayView first, const QByteArray &second);
    [[nodiscard]] QIODevice &device() const { return m_device; }
    // Bytes written with send(2) since the socket was adopted (for tests and counters).
    [[nodiscard]] qint64 sentDirectly() const { return m_sentDirectly; }

private:
    // Bytes the kernel took at once (of `first`, then `second`), or -1 when this socket must take
    // Qt's path.
    qint64 sendNow(QByteArrayView first, QByteArrayView second = {});
    // What the kernel did not take of `second`, to Qt's buffer: by reference when it is all of
    // `whole` (not null).
    bool queueRest(QByteArrayView second, qint64 sent, const QByteArray *whole);
    bool writeBoth(QByteArrayView first, QByteArrayView second, const QByteArray *whole);

    QIODevice &m_device;
    QAbstractSocket *m_directSocket = nullptr; // a plain-text socket, else null

    qint64 m_sentDirectly = 0;
};

} // namespace aap::proxy
