#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QTemporaryDir>

#include <functional>

class QSocketNotifier;

namespace aap::test {

// The service manager's end of systemd's notification protocol: an AF_UNIX datagram socket whose
// path goes into NOTIFY_SOCKET. Records every datagram with its arrival time; a callback runs the
// moment one arrives (before the service can do anything else), e.g. to probe its port then.
class NotifySocket : public QObject {
    Q_OBJECT

public:
    struct Message {
        QByteArray text;
        qint64 atMs = 0; // since the socket was opened
        // True when one of the lines starts with `assignment` ("READY=1", "STATUS=ready:").
        [[nodiscard]] bool has(QByteArrayView assignment) const;
        // The value of NAME= in this message, or a null QByteArray.
        [[nodiscard]] QByteArray value(QByteArrayView name) const;
    };

    explicit NotifySocket(QObject *parent = nullptr);
    ~NotifySocket() override;

    [[nodiscard]] bool isOpen() const { return m_socket >= 0; }
    [[nodiscard]] QString path() const { return m_path; }
    [[nodiscard]] const QList<Message> &messages() const { return m_messages; }
    [[nodiscard]] qint64 elapsedMs() const { return m_clock.elapsed(); }
    // Index of the first message from `from` on that holds the assignment, or -1.
    [[nodiscard]] qsizetype indexOf(QByteArrayView assignment, qsizetype from = 0) const;
    // Waits (running the event loop) until a message from `from` on holds the assignment.
    bool waitFor(QByteArrayView assignment, qsizetype from = 0, int timeoutMs = 20'000);
    void setOnMessage(std::function<void(const Message &)> callback) { m_onMessage = std::move(callback); }
    void clear() { m_messages.clear(); }

private:
    void readAll();

    QTemporaryDir m_dir;
    QString m_path;
    int m_socket = -1;
    QSocketNotifier *m_notifier = nullptr;
    QElapsedTimer m_clock;
    QList<Message> m_messages;
    std::function<void(const Message &)> m_onMessage;
};

} // namespace aap::test
