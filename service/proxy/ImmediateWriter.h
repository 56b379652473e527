#pragma once

#include <QByteArray>
#include <QByteArrayView>

class QAbstractSocket;
class QIODevice;

namespace aap::proxy {

// Writes to a plain-text TCP socket with sendmsg(2) at once when Qt holds nothing unwritten for it;
// what the kernel does not take goes to Qt's write buffer as before, so the bytes keep their order
// and back-pressure (bytesToWrite(), bytesWritten()) still works. QAbstractSocket::write() instead
// appends to a ring-buffer chunk of 32 KiB that the socket then keeps for its whole life (65 MB of
// heap for 2,000 idle keep-alive clients), arms the write notifier and sends on the loop's next pass.
// TLS sockets, and platforms other than Unix, always take Qt's path.
// hold() corks a head until the body bytes that follow it, so both leave in one sendmsg(2).
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
    // Keeps `bytes` by reference until the next non-empty write() or flush(), which sends them first
    // in the same system call. The caller must flush() before anything else may write to the device.
    // TLS sockets and other devices gain nothing from it: written at once.
    bool hold(const QByteArray &bytes);
    // Sends what hold() kept when no write() followed.
    bool flush();
    [[nodiscard]] QIODevice &device() const { return m_device; }
    // Bytes written with sendmsg(2) since the socket was adopted (for tests and counters).
    [[nodiscard]] qint64 sentDirectly() const { return m_sentDirectly; }

private:
    // Bytes the kernel took at once of `first` then `second`, or -1 when this socket must take Qt's
    // path.
    qint64 sendNow(QByteArrayView first, QByteArrayView second);
    // Sends the held bytes and then `bytes`; Qt's buffer gets what the kernel refuses, in order.
    // `whole`, when not null, is the array `bytes` views, which Qt may then keep by reference.
    bool writeAfterHeld(QByteArrayView bytes, const QByteArray *whole);
    // Qt's path for `bytes`, by reference when `whole` is given.
    bool queue(QByteArrayView bytes, const QByteArray *whole);

    QIODevice &m_device;
    QAbstractSocket *m_directSocket = nullptr; // a plain-text socket, else null
    QByteArray m_held;                         // from hold(): goes out before the next bytes

    qint64 m_sentDirectly = 0;
};

} // namespace aap::proxy
