#pragma once

#include <QByteArray>
#include <QCryptographicHash>
#include <QList>
#include <QObject>
#include <QSslConfiguration>
#include <QTcpServer>

#include <functional>
#include <optional>

class QTcpSocket;

namespace aap::test {

// A scriptable HTTP/1.1 origin server on 127.0.0.1:0 for proxy tests (plain or TLS). It parses
// requests with its own small parser (independent of the product's), records them, and answers
// with whatever the test's handler returns: fixed or chunked bodies, large generated bodies with
// back-pressure, slow or hanging responses, resets and closes.
class FakeUpstream : public QObject {
    Q_OBJECT

public:
    struct Request {
        QByteArray method;
        QByteArray target;
        QByteArray version;
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body;     // kept up to kMaxKeptBody bytes
        qint64 bodySize = 0; // every body byte received (decoded when chunked)
        QByteArray bodySha256;
        bool chunked = false;
        QList<QByteArray> trailerLines; // a chunked body's trailer field lines, as received
        int connectionId = 0;
        // First value of a header (case-insensitive), or nullopt.
        [[nodiscard]] std::optional<QByteArray> header(QByteArrayView name) const;
        [[nodiscard]] int headerCount(QByteArrayView name) const;
    };

    enum class Action {
        Respond,      // status, headers, body (Content-Length unless chunked/closeDelimited)
        Hang,         // never answer
        Reset,        // abort the connection (RST) without answering
        Close,        // close the connection cleanly without answering
        HeadThenHang, // send the head and part of the body, then nothing
    };

    struct Response {
        Action action = Action::Respond;
        int status = 200;
        QList<QPair<QByteArray, QByteArray>> headers{}; // {}: designated initializers may leave it out
        QByteArray body = QByteArrayLiteral("ok");
        qint64 generatedBodyBytes = -1; // >= 0: send this many pattern bytes instead of `body`
        bool chunked = false;
        int chunkSize = 1000;
        bool closeDelimited = false; // no Content-Length; the close ends the body
        bool closeAfter = false;     // close the connection after this response
        int delayMs = 0;             // answer after this long (real time, for time-out tests)
    };

    using Handler = std::function<Response(const Request &)>;

    static constexpr qint64 kMaxKeptBody = 1024LL * 1024;

    explicit FakeUpstream(QObject *parent = nullptr);
    ~FakeUpstream() override;

    // Listens on 127.0.0.1:0; with a TLS configuration it speaks TLS.
    bool listen(std::optional<QSslConfiguration> tls = std::nullopt);
    void close();
    [[nodiscard]] quint16 port() const;

    void setHandler(Handler handler) { m_handler = std::move(handler); }
    // For tests whose upstream answers the same whatever the request.
    void answerEveryRequest(const Response &response)
    {
        setHandler([response](const Request &) { return response; });
    }

    [[nodiscard]] const QList<Request> &requests() const { return m_requests; }
    [[nodiscard]] int connectionCount() const { return m_connectionCount; }
    // True when listen() was given a TLS configuration: every recorded request then came over TLS.
    [[nodiscard]] bool speaksTls() const { return m_speaksTls; }
    [[nodiscard]] int openConnections() const;
    // Closes every accepted connection cleanly (keep-alive connections the proxy holds go stale).
    void closeAllConnections();
    // Pattern byte i of a generated body.
    static char patternByte(qint64 index) { return static_cast<char>('a' + (index % 26)); }
    // `length` (at most 64 KiB) pattern bytes starting at byte `offset` of the stream.
    static QByteArrayView patternSlice(qint64 offset, qint64 length);
    static QByteArray patternSha256(qint64 size);

Q_SIGNALS:
    void requestReceived();

private:
    struct Connection;
    void onNewConnection();
    void process(Connection *connection);
    void respond(Connection *connection, const Response &response);
    void pumpGenerated(Connection *connection);
    void finishResponse(Connection *connection);

    QTcpServer *m_server = nullptr;
    Handler m_handler;
    QList<Request> m_requests;
    QList<Connection *> m_connections;
    int m_connectionCount = 0;
    bool m_speaksTls = false;
};

} // namespace aap::test
