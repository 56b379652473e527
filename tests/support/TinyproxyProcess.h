#pragma once

#include <QByteArrayList>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

namespace aap::test {

// Debian's tinyproxy, started by a test as a real HTTP CONNECT proxy: its own config file in a
// temporary directory, listening on 127.0.0.1 on a free port, optionally demanding Basic
// credentials, logging each request line so the test can see what went through it.
class TinyproxyProcess {
public:
    TinyproxyProcess() = default;
    ~TinyproxyProcess();
    TinyproxyProcess(const TinyproxyProcess &) = delete;
    TinyproxyProcess &operator=(const TinyproxyProcess &) = delete;
    TinyproxyProcess(TinyproxyProcess &&) = delete;
    TinyproxyProcess &operator=(TinyproxyProcess &&) = delete;

    // False (with a qWarning) when tinyproxy is missing or does not come up within a few seconds.
    bool start(const QString &user = {}, const QString &password = {});
    [[nodiscard]] quint16 port() const { return m_port; }
    // http://[user:password@]127.0.0.1:port
    [[nodiscard]] QString url(bool withCredentials = true) const;
    // The request lines tinyproxy logged ("CONNECT 127.0.0.1:4431 HTTP/1.1", "GET http://... HTTP/1.1").
    [[nodiscard]] QByteArrayList requestLines() const;
    [[nodiscard]] QByteArray log() const;

private:
    bool startOnce();

    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
    QString m_user;
    QString m_password;
};

} // namespace aap::test
