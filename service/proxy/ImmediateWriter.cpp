#include "proxy/ImmediateWriter.h"

#include <QAbstractSocket>
#include <QIODevice>

#include <algorithm>
#include <array>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <sys/socket.h>
#include <sys/uio.h>
#endif

namespace aap::proxy {

ImmediateWriter::ImmediateWriter(QAbstractSocket &socket, bool plainText)
    : m_device(socket), m_directSocket(plainText ? &socket : nullptr)
{}

ImmediateWriter::ImmediateWriter(QIODevice &device) : m_device(device) {}

qint64 ImmediateWriter::sendNow(QByteArrayView first, QByteArrayView second)
{
#ifdef Q_OS_UNIX
    // Only while Qt has nothing queued: its buffer holds earlier bytes, which must go first.
    if (m_directSocket == nullptr || m_directSocket->bytesToWrite() != 0 ||
        m_directSocket->state() != QAbstractSocket::ConnectedState) {
        return -1;
    }
    const auto descriptor = static_cast<int>(m_directSocket->socketDescriptor());
    std::array<iovec, 2> parts{};
    std::size_t count = 0;
    for (const QByteArrayView part : {first, second}) {
        if (!part.isEmpty()) {
            // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): sendmsg(2) only reads it.
            parts.at(count).iov_base = const_cast<char *>(part.data());
            parts.at(count).iov_len = static_cast<std::size_t>(part.size());
            ++count;
        }
    }
    msghdr message{};
    message.msg_iov = parts.data();
    message.msg_iovlen = count;
    ssize_t sent = 0;
    do {
        sent = ::sendmsg(descriptor, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    // EAGAIN or an error: Qt queues the bytes and reports what goes wrong.
    if (sent <= 0) {
        return 0;
    }
    m_sentDirectly += sent;
    return sent;
#else
    Q_UNUSED(first);
    Q_UNUSED(second);
    return -1;
#endif
}

bool ImmediateWriter::queueRest(QByteArrayView second, qint64 sent, const QByteArray *whole)
{
    const QByteArrayView rest = second.sliced(sent);
    if (rest.isEmpty()) {
        return true;
    }
    if (sent == 0 && whole != nullptr) {
        return m_device.write(*whole) == whole->size();
    }
    return m_device.write(rest.data(), rest.size()) == rest.size();
}

bool ImmediateWriter::write(QByteArrayView bytes)
{
    return writeBoth({}, bytes, nullptr);
}

bool ImmediateWriter::write(const QByteArray &bytes)
{
    return writeBoth({}, bytes, &bytes);
}

bool ImmediateWriter::write(QByteArrayView first, QByteArrayView second)
{
    return writeBoth(first, second, nullptr);
}

bool ImmediateWriter::write(QByteArrayView first, const QByteArray &second)
{
    return writeBoth(first, second, &second);
}

bool ImmediateWriter::writeBoth(QByteArrayView first, QByteArrayView second, const QByteArray *whole)
{
    if (first.isEmpty() && second.isEmpty()) {
        return true;
    }
    qint64 sent = std::max<qint64>(sendNow(first, second), 0);
    if (sent < first.size()) {
        const QByteArrayView rest = first.sliced(sent);
        if (m_device.write(rest.data(), rest.size()) != rest.size()) {
            return false;
        }
        sent = first.size();
    }
    return queueRest(second, sent - first.size(), whole);
}

} // namespace aap::proxy
