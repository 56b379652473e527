#include "proxy/ImmediateWriter.h"

#include <QAbstractSocket>
#include <QIODevice>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <sys/socket.h>
#endif

namespace aap::proxy {

ImmediateWriter::ImmediateWriter(QAbstractSocket &socket, bool plainText)
    : m_device(socket), m_directSocket(plainText ? &socket : nullptr)
{}

ImmediateWriter::ImmediateWriter(QIODevice &device) : m_device(device) {}

qint64 ImmediateWriter::sendNow(QByteArrayView bytes)
{
#ifdef Q_OS_UNIX
    // Only while Qt has nothing queued: its buffer holds earlier bytes, which must go first.
    if (m_directSocket == nullptr || m_directSocket->bytesToWrite() != 0 ||
        m_directSocket->state() != QAbstractSocket::ConnectedState) {
        return -1;
    }
    const auto descriptor = static_cast<int>(m_directSocket->socketDescriptor());
    ssize_t sent = 0;
    do {
        sent =
            ::send(descriptor, bytes.data(), static_cast<size_t>(bytes.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    // EAGAIN or an error: Qt queues the bytes and reports what goes wrong.
    if (sent <= 0) {
        return 0;
    }
    m_sentDirectly += sent;
    return sent;
#else
    Q_UNUSED(bytes);
    return -1;
#endif
}

bool ImmediateWriter::write(QByteArrayView bytes)
{
    if (bytes.isEmpty()) {
        return true;
    }
    const qint64 sent = sendNow(bytes);
    if (sent > 0) {
        bytes = bytes.sliced(sent);
        if (bytes.isEmpty()) {
            return true;
        }
    }
    return m_device.write(bytes.data(), bytes.size()) == bytes.size();
}

bool ImmediateWriter::write(const QByteArray &bytes)
{
    if (bytes.isEmpty()) {
        return true;
    }
    const qint64 sent = sendNow(bytes);
    if (sent <= 0) {
        return m_device.write(bytes) == bytes.size();
    }
    const QByteArrayView rest = QByteArrayView(bytes).sliced(sent);
    return rest.isEmpty() || m_device.write(rest.data(), rest.size()) == rest.size();
}

} // namespace aap::proxy
