#include "proxy/SocketInput.h"

#include <QSocketNotifier>
#include <QTcpSocket>

#include <gsl/assert>
#include <gsl/narrow>

#include <algorithm>
#include <cstring>
#include <utility>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <sys/socket.h>
#endif

namespace aap::proxy {

namespace {

constexpr qsizetype kReceiveBytes = qsizetype{64} * 1024;
// Up to this size what arrived is copied out of the receive buffer (small heads and bodies: a
// right-sized copy, nothing held while idle); above it the buffer itself is handed over and
// replaced, so large bodies are never copied.
constexpr qsizetype kCopyAtMost = qsizetype{4} * 1024;

// Room behind the bytes of a large receive, which goes with the buffer when it is handed over: a
// request body read ahead to 64 KiB arrives as one full receive and about its head's size more,
// which then appends there instead of moving the 64 KiB to a larger array.
constexpr qsizetype kReceiveSlack = qsizetype{8} * 1024;

// kReceiveBytes to receive into, with kReceiveSlack of room behind them.
QByteArray newReceiveBuffer()
{
    QByteArray buffer;
    buffer.reserve(kReceiveBytes + kReceiveSlack);
    buffer.resize(kReceiveBytes);
    return buffer;
}

// One per thread: fill() copies or takes what arrived before it returns, so no connection holds it.
QByteArray &receiveBuffer()
{
    thread_local QByteArray buffer = newReceiveBuffer();
    return buffer;
}

} // namespace

SocketInput::SocketInput(QIODevice &device) : m_device(device) {}

QSocketNotifier *SocketInput::readDirectly(QTcpSocket &socket, qint64 limit)
{
    Expects(limit > 0);
#ifdef Q_OS_UNIX
    if (socket.state() != QAbstractSocket::ConnectedState || socket.bytesAvailable() != 0) {
        return nullptr;
    }
    // The read notifier belongs to the socket's engine, a child of the socket; it exists once a
    // connected descriptor was adopted on a thread with an event loop.
    const qintptr descriptor = socket.socketDescriptor();
    const auto notifiers = socket.findChildren<QSocketNotifier *>();
    for (QSocketNotifier *notifier : notifiers) {
        if (notifier->type() == QSocketNotifier::Read && notifier->socket() == descriptor) {
            m_notifier = notifier;
            m_descriptor = gsl::narrow<int>(descriptor);
            m_limit = limit;
            return notifier;
        }
    }
#else
    Q_UNUSED(socket);
    Q_UNUSED(limit);
#endif
    return nullptr;
}

SocketInput::Fill SocketInput::fill()
{
    Expects(direct());
#ifdef Q_OS_UNIX
    if (m_ended) {
        return Fill::End;
    }
    if (m_buffer.size() >= m_limit) {
        // Level-triggered: without this the loop would wake for these bytes again and again.
        m_paused = true;
        if (m_notifier != nullptr) {
            m_notifier->setEnabled(false);
        }
        return Fill::Nothing;
    }
    QByteArray &received = receiveBuffer();
    ssize_t got = 0;
    do {
        got = ::recv(m_descriptor, received.data(), static_cast<size_t>(received.size()), MSG_DONTWAIT);
    } while (got < 0 && errno == EINTR);
    if (got > 0) {
        const QByteArrayView arrived(received.constData(), got);
        if (!m_buffer.isEmpty()) {
            m_buffer.append(arrived);
        } else if (got <= kCopyAtMost) {
            m_buffer = arrived.toByteArray();
        } else {
            m_buffer = std::exchange(received, newReceiveBuffer());
            m_buffer.resize(got);
        }
        return Fill::Data;
    }
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return Fill::Nothing;
    }
    // The end of input stays unread by Qt, or it would close the sending side with it.
    m_ended = got == 0;
    if (m_notifier != nullptr) {
        m_notifier->setEnabled(false);
    }
    return m_ended ? Fill::End : Fill::Failed;
#else
    return Fill::Failed;
#endif
}

void SocketInput::stopReading()
{
    m_notifier = nullptr;
    m_paused = false;
}

qint64 SocketInput::available() const
{
    return direct() ? m_buffer.size() : m_device.bytesAvailable();
}

qint64 SocketInput::read(char *into, qint64 maxSize)
{
    if (!direct()) {
        return m_device.read(into, maxSize);
    }
    const qsizetype count = std::min<qsizetype>(m_buffer.size(), gsl::narrow<qsizetype>(maxSize));
    if (count <= 0) {
        return 0;
    }
    std::memcpy(into, m_buffer.constData(), static_cast<size_t>(count));
    // Removing at the front only moves the array's start; nothing is copied.
    m_buffer.remove(0, count);
    resumeBelowLimit();
    return count;
}

QByteArray SocketInput::take(qint64 count)
{
    if (!direct()) {
        return m_device.read(count);
    }
    const qsizetype taken = std::min<qsizetype>(m_buffer.size(), gsl::narrow<qsizetype>(count));
    QByteArray result;
    if (taken == m_buffer.size()) {
        result = std::exchange(m_buffer, QByteArray());
    } else {
        result = m_buffer.first(taken);
        m_buffer.remove(0, taken);
    }
    resumeBelowLimit();
    return result;
}

void SocketInput::discardAll()
{
    if (!direct()) {
        m_device.skip(m_device.bytesAvailable());
        return;
    }
    m_buffer = QByteArray();
    resumeBelowLimit();
}

void SocketInput::resumeBelowLimit()
{
    if (m_paused && m_buffer.size() < m_limit && m_notifier != nullptr) {
        m_paused = false;
        m_notifier->setEnabled(true);
    }
}

} // namespace aap::proxy
