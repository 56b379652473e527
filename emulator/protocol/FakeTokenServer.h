#pragma once

#include "core/Clock.h"
#include "protocol/AccessTokenSigner.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPair>
#include <QSet>
#include <QString>
#include <QTcpServer>
#include <QUrl>

#include <chrono>
#include <optional>

class QTcpSocket;

namespace aap::test {

// One request as a fake token service received it (strictly parsed HTTP/1.1).
struct RecordedRequest {
    using Headers = QList<QPair<QByteArray, QByteArray>>;
    QByteArray method;
    QByteArray target; // raw request-target, e.g. "/metadata/identity/oauth2/token?api-version=..."
    QByteArray path;   // raw path before '?'
    QByteArray rawQuery;
    QList<QPair<QString, QString>> query; // percent-decoded, in order, repeats kept
    Headers headers;                      // names as sent
    QByteArray body;

    [[nodiscard]] QByteArray header(QByteArrayView name) const; // first value, "" when absent
    [[nodiscard]] int headerCount(QByteArrayView name) const;
    [[nodiscard]] QString queryValue(const QString &name) const; // first value
    [[nodiscard]] int queryCount(const QString &name) const;
};

// A hand-written HTTP/1.1 token service on 127.0.0.1:<OS-chosen port>. Parses requests strictly
// (request line, header syntax, Host, Content-Length; no chunked requests), records each, and
// answers through handle() unless a fault is injected. Subclasses implement one service's rules.
class FakeTokenServer : public QTcpServer {
    Q_OBJECT

public:
    struct Reply {
        int status = 200;
        RecordedRequest::Headers headers;
        QByteArray body;
        QByteArray contentType{"application/json; charset=utf-8"};
    };

    struct Fault {
        enum class Kind {
            Status,             // answer status with body and headers (e.g. 429 + Retry-After)
            Hang,               // read the request, never answer
            BadJson,            // 200 with truncated JSON
            Html200,            // 200 with an HTML page
            MissingAccessToken, // 200 JSON without access_token
            HugeBody,           // 200, no Content-Length, streams until the client gives up
            HugeContentLength,  // 200 announcing Content-Length: 4 GiB, streams until the client gives up
        };
        Kind kind = Kind::Status;
        int status = 500;
        QByteArray body;
        RecordedRequest::Headers headers;

        static Fault withStatus(int status, const QByteArray &body = {},
                                RecordedRequest::Headers headers = {});
        static Fault of(Kind kind);
    };

    // A managed identity the fake knows, with the ids a request may name it by.
    struct Identity {
        QString clientId;
        QString objectId;
        QString resourceId;
    };

    explicit FakeTokenServer(QObject *parent = nullptr);
    ~FakeTokenServer() override;
    FakeTokenServer(const FakeTokenServer &) = delete;
    FakeTokenServer &operator=(const FakeTokenServer &) = delete;
    FakeTokenServer(FakeTokenServer &&) = delete;
    FakeTokenServer &operator=(FakeTokenServer &&) = delete;

    // "http://127.0.0.1:<port>"
    [[nodiscard]] QUrl baseUrl() const;

    // The next `times` requests the fault applies to get it (times < 0: until clearFaults()).
    void injectFault(const Fault &fault, int times = 1);
    void clearFaults();

    [[nodiscard]] int requestCount() const { return static_cast<int>(m_requests.size()); }
    [[nodiscard]] const QList<RecordedRequest> &requests() const { return m_requests; }
    [[nodiscard]] RecordedRequest lastRequest() const;
    // Requests refused by the strict parser (400 before handle()).
    [[nodiscard]] int rejectedCount() const { return m_rejected; }
    // Body bytes written by the huge-body faults; bounded by the client's cap plus socket buffers.
    [[nodiscard]] qint64 hugeBytesSent() const { return m_hugeBytesSent; }
    // The access token of the last 200 this fake produced (compare with QVERIFY(a == b)).
    [[nodiscard]] QByteArray lastIssuedToken() const { return m_lastIssuedToken; }

    // Every 200 hands out this access token instead of a random or signed one (e.g. a JWT with chosen
    // claims, for the diagnosis); empty = random again.
    void setIssuedToken(const QByteArray &token) { m_issuedToken = token; }
    // When set, access tokens are signed JWTs carrying real claims (the emulator); otherwise
    // random strings (not owned).
    void setTokenSigner(AccessTokenSigner *signer) { m_signer = signer; }
    // Keep only the last `limit` requests in requests(), so a long-running emulator does not grow.
    void setRecordLimit(qsizetype limit) { m_recordLimit = limit; }
    // Largest request body accepted (default 64 KiB: token requests are small).
    void setMaxBodySize(qint64 bytes) { m_maxBody = bytes; }

    // Time the fake stamps into expires_on / not_before; the real clock unless set (not owned).
    void setClock(const Clock *clock) { m_clock = clock; }
    [[nodiscard]] qint64 nowSeconds() const;

    // Random base64url string: fake tokens and keys.
    [[nodiscard]] static QByteArray randomString(int bytes = 32);
    [[nodiscard]] static QByteArray errorJson(const QString &code, const QString &description);

protected:
    // The service's own behaviour for a well-formed request.
    virtual Reply handle(const RecordedRequest &request) = 0;
    // Whether injected faults apply to this request (FakeArc: only to the authorized step).
    [[nodiscard]] virtual bool faultApplies(const RecordedRequest &request) const;
    // A 200 JSON body with the fields every token service sends; records lastIssuedToken. With a
    // signer the token is a JWT for subject, expiring at expiresOn (Unix seconds).
    [[nodiscard]] QByteArray issueToken(const QList<QPair<QString, QString>> &fields,
                                        const AccessTokenSubject &subject, qint64 expiresOn);
    // Answers a well-formed request that no fault took; the default writes handle()'s reply.
    // A server that answers later (a forwarding upstream) overrides it and calls writeReply().
    virtual void dispatch(QTcpSocket *socket, const RecordedRequest &request);
    void writeReply(QTcpSocket *socket, const Reply &reply);
    [[nodiscard]] static Reply error(int status, const QString &code, const QString &description);
    // The first query parameter that appears more than once, or "" when none does.
    [[nodiscard]] static QString repeatedParameter(const RecordedRequest &request);
    // The first parameter not in allowed, or "" when all are known.
    [[nodiscard]] static QString unknownParameter(const RecordedRequest &request, const QStringList &allowed);
    // The checks IMDS and Arc share for GET /metadata/identity/oauth2/token: path, method, no
    // X-Forwarded-For, exactly one "Metadata: true", no repeated and no unknown query parameter.
    // The error reply the real service sends, or nullopt when the request passes.
    [[nodiscard]] static std::optional<Reply> checkMetadataRequest(const RecordedRequest &request,
                                                                   const QStringList &allowedParameters);

    void incomingConnection(qintptr handle) override;

private:
    void onReadyRead(QTcpSocket *socket);
    void process(QTcpSocket *socket, const RecordedRequest &request);
    void startHugeBody(QTcpSocket *socket, bool announceLength);
    void pumpHugeBody(QTcpSocket *socket);
    void reject(QTcpSocket *socket, const QByteArray &why);

    QHash<QTcpSocket *, QByteArray> m_buffers;
    QSet<QTcpSocket *> m_streaming;
    QList<RecordedRequest> m_requests;
    QList<QPair<Fault, int>> m_faults;
    int m_rejected = 0;
    qint64 m_hugeBytesSent = 0;
    QByteArray m_lastIssuedToken;
    QByteArray m_issuedToken;
    const Clock *m_clock = nullptr;
    AccessTokenSigner *m_signer = nullptr;
    qsizetype m_recordLimit = -1;
    qint64 m_maxBody = qint64{64} * 1024;
};

} // namespace aap::test
