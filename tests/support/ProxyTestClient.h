#pragma once

#include <QByteArray>
#include <QCryptographicHash>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QSslConfiguration>

#include <functional>
#include <optional>

class QSslSocket;

namespace aap::test {

// A raw TCP client for proxy tests: sends exact bytes and parses responses with its own small
// parser. Every wait spins the event loop (fakes on the test thread keep running) and is bounded.
class ProxyTestClient : public QObject {
    Q_OBJECT

public:
    struct Response {
        int status = 0;
        QByteArray statusLine;
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body; // kept up to kMaxKeptBody bytes
        qint64 bodySize = 0;
        QByteArray bodySha256;
        [[nodiscard]] std::optional<QByteArray> header(QByteArrayView name) const;
        [[nodiscard]] bool hasHeader(QByteArrayView name) const { return header(name).has_value(); }
    };
    static constexpr qint64 kMaxKeptBody = 1024LL * 1024;

    explicit ProxyTestClient(QObject *parent = nullptr);
    ~ProxyTestClient() override;

    bool connectTo(quint16 port, int timeoutMs = 10000);
    // TLS to the proxy's listener with `tls` (trusted CAs, an optional client certificate); true once
    // the handshake is done.
    bool connectEncrypted(quint16 port, const QSslConfiguration &tls, int timeoutMs = 10000);
    // The certificate the server presented (TLS only).
    [[nodiscard]] QSslCertificate serverCertificate() const;
    void send(const QByteArray &bytes);
    // Flushes what was sent, then shuts the sending side (shutdown(SHUT_WR), as `nc -N` does); the
    // client still reads. False on time-out, or where the platform has no such call here.
    bool shutdownSending(int timeoutMs = 10000);
    // Writes `size` pattern bytes with back-pressure, spinning the event loop; false on time-out or
    // disconnect.
    bool sendPattern(qint64 size, int timeoutMs = 120000);
    // The next response; `toHead`: the request was HEAD (no body). nullopt on time-out or when the
    // connection closed before a complete response.
    std::optional<Response> readResponse(int timeoutMs = 20000, bool toHead = false);
    // Interim responses (1xx) are returned like others.
    bool waitForDisconnected(int timeoutMs = 20000);
    [[nodiscard]] bool isConnected() const;
    void abort();
    // Bytes received but not yet parsed into a response.
    [[nodiscard]] const QByteArray &pending() const { return m_buffer; }

private:
    // Runs the event loop until `done` holds (checked on every socket event and every millisecond).
    bool spinUntil(const std::function<bool()> &done, int timeoutMs);
    bool tryParse(bool toHead, std::optional<Response> &out);

    QSslSocket *m_socket; // plain TCP unless connectEncrypted() was used
    QByteArray m_buffer;
    bool m_closed = false;
    // Parse state of a response whose body is being read.
    std::optional<Response> m_current;
    enum class BodyMode { None, Length, Chunked, UntilClose } m_mode = BodyMode::None;
    qint64 m_remaining = 0;
    bool m_inChunkData = false;
    std::unique_ptr<QCryptographicHash> m_hash;
};

} // namespace aap::test
