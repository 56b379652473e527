#include "proxy/ImmediateWriter.h"

#include <QAbstractSocket>
#include <QIODevice>

#include <algorithm>
#include <utility>

#ifdef Q_OS_UNIX
#include <array>
#include <cerrno>
#include <cstddef>
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
    // Both parts in one system call, without joining them in a new buffer. sendmsg(2) rather than
    // writev(2): only it takes MSG_NOSIGNAL.
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

bool ImmediateWriter::queue(QByteArrayView bytes, const QByteArray *whole)
{
    const qint64 written =
        whole != nullptr ? m_device.write(*whole) : m_device.write(bytes.data(), bytes.size());
    return written == bytes.size();
}

bool ImmediateWriter::writeAfterHeld(QByteArrayView bytes, const QByteArray *whole)
{
    // Taken out now: unless Qt's buffer keeps it, the caller's array is unshared again on return and
    // its capacity reused.
    const QByteArray held = std::exchange(m_held, QByteArray());
    qint64 sent = std::max<qint64>(sendNow(held, bytes), 0);
    bool queued = true;
    if (sent < held.size()) {
        queued = queue(QByteArrayView(held).sliced(sent), sent == 0 ? &held : nullptr);
        sent = 0;
    } else {
        sent -= held.size();
    }
    if (sent < bytes.size()) {
        queued = queue(bytes.sliced(sent), sent == 0 ? whole : nullptr) && queued;
    }
    return queued;
}

bool ImmediateWriter::write(QByteArrayView bytes)
{
    return bytes.isEmpty() || writeAfterHeld(bytes, nullptr);
}

bool ImmediateWriter::write(const QByteArray &bytes)
{
    return bytes.isEmpty() || writeAfterHeld(bytes, &bytes);
}

bool ImmediateWriter::hold(const QByteArray &bytes)
{
    if (m_directSocket == nullptr) {
        return write(bytes);
    }
    // Something held already goes first, alone.
    const bool flushed = flush();
    m_held = bytes;
    return flushed;
}

bool ImmediateWriter::flush()
{
    return m_held.isEmpty() || writeAfterHeld({}, nullptr);
}

} // namespace aap::proxy
