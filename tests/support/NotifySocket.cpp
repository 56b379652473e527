#include "support/NotifySocket.h"

#include <QSocketNotifier>
#include <QTest>

#include <algorithm>
#include <array>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace aap::test {

bool NotifySocket::Message::has(QByteArrayView assignment) const
{
    const QList<QByteArray> lines = text.split('\n');
    return std::any_of(lines.begin(), lines.end(),
                       [&](const QByteArray &line) { return line.startsWith(assignment); });
}

QByteArray NotifySocket::Message::value(QByteArrayView name) const
{
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(name) && line.size() > name.size() && line.at(name.size()) == '=')
            return line.mid(name.size() + 1);
    }
    return {};
}

NotifySocket::NotifySocket(QObject *parent) : QObject(parent)
{
    m_clock.start();
    if (!m_dir.isValid())
        return;
    m_path = m_dir.filePath(QStringLiteral("notify"));
    const QByteArray native = m_path.toLocal8Bit();
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (native.size() >= static_cast<qsizetype>(sizeof(address.sun_path)))
        return;
    std::memcpy(address.sun_path, native.constData(), static_cast<std::size_t>(native.size()));
    m_socket = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (m_socket < 0)
        return;
    if (::bind(m_socket, reinterpret_cast<const sockaddr *>(&address), sizeof(address)) != 0) {
        ::close(m_socket);
        m_socket = -1;
        return;
    }
    m_notifier = new QSocketNotifier(m_socket, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &NotifySocket::readAll);
}

NotifySocket::~NotifySocket()
{
    delete m_notifier;
    if (m_socket >= 0)
        ::close(m_socket);
}

void NotifySocket::readAll()
{
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t received = ::recv(m_socket, buffer.data(), buffer.size(), 0);
        if (received <= 0)
            return;
        Message message{QByteArray(buffer.data(), static_cast<qsizetype>(received)), m_clock.elapsed()};
        m_messages.append(message);
        if (m_onMessage)
            m_onMessage(message);
    }
}

qsizetype NotifySocket::indexOf(QByteArrayView assignment, qsizetype from) const
{
    for (qsizetype i = from; i < m_messages.size(); ++i) {
        if (m_messages[i].has(assignment))
            return i;
    }
    return -1;
}

bool NotifySocket::waitFor(QByteArrayView assignment, qsizetype from, int timeoutMs)
{
    return QTest::qWaitFor([&] { return indexOf(assignment, from) >= 0; }, timeoutMs);
}

} // namespace aap::test
