#include "http/ResponseHeadParser.h"

#include <QTest>

using namespace aap::http;

namespace {

struct Outcome {
    ParseStatus status = ParseStatus::Incomplete;
    HttpError error = HttpError::None;
    qsizetype consumed = 0;
    qsizetype bytesFed = 0;
};

Outcome parseByteByByte(const QByteArray &input, QByteArrayView method, ResponseHead &head,
                        Limits limits = {})
{
    ResponseHeadParser parser(limits);
    for (qsizetype n = 1; n <= input.size(); ++n) {
        const ParseResult result = parser.parse(QByteArrayView(input).first(n), method, head);
        if (result.status != ParseStatus::Incomplete)
            return {result.status, result.error, result.consumed, n};
    }
    return {ParseStatus::Incomplete, HttpError::None, 0, input.size()};
}

} // namespace

class tst_HttpResponseParser : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void validResponse_data();
    void validResponse();
    void invalidResponse_data();
    void invalidResponse();
    void pipelinedResponses();
    void overLimitHeadFailsBeforeItsEnd();
};

void tst_HttpResponseParser::validResponse_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");
    QTest::addColumn<int>("minorVersion");
    QTest::addColumn<int>("framing");
    QTest::addColumn<quint64>("contentLength");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<bool>("interim");

    const QByteArray get("GET");
    const int none = int(BodyFraming::None);
    const int length = int(BodyFraming::ContentLength);
    const int chunked = int(BodyFraming::Chunked);
    const int untilClose = int(BodyFraming::UntilClose);

    QTest::newRow("200 content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n") << get << 200 << QByteArray("OK") << 1
        << length << quint64(12) << true << false;
    QTest::newRow("200 chunked") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n") << get
                                 << 200 << QByteArray("OK") << 1 << chunked << quint64(0) << true << false;
    QTest::newRow("200 until close") << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
                                     << get << 200 << QByteArray("OK") << 1 << untilClose << quint64(0)
                                     << false << false;
    QTest::newRow("close") << QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n")
                           << get << 200 << QByteArray("OK") << 1 << length << quint64(1) << false << false;
    QTest::newRow("1.0 default close")
        << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n") << get << 200 << QByteArray("OK") << 0
        << length << quint64(1) << false << false;
    QTest::newRow("1.0 keep-alive")
        << QByteArray("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n") << get << 200
        << QByteArray("OK") << 0 << length << quint64(1) << true << false;
    QTest::newRow("HEAD ignores length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n") << QByteArray("HEAD") << 200
        << QByteArray("OK") << 1 << none << quint64(99) << true << false;
    QTest::newRow("HEAD ignores chunked")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") << QByteArray("HEAD") << 200
        << QByteArray("OK") << 1 << none << quint64(0) << true << false;
    QTest::newRow("204") << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << get << 204
                         << QByteArray("No Content") << 1 << none << quint64(0) << true << false;
    QTest::newRow("304 with length") << QByteArray("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n")
                                     << get << 304 << QByteArray("Not Modified") << 1 << none << quint64(5)
                                     << true << false;
    QTest::newRow("100 continue") << QByteArray("HTTP/1.1 100 Continue\r\n\r\n") << QByteArray("PUT") << 100
                                  << QByteArray("Continue") << 1 << none << quint64(0) << true << true;
    QTest::newRow("103 early hints") << QByteArray("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n") << get
                                     << 103 << QByteArray("Early Hints") << 1 << none << quint64(0) << true
                                     << true;
    QTest::newRow("empty reason") << QByteArray("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n") << get << 404
                                  << QByteArray() << 1 << length << quint64(0) << true << false;
    QTest::newRow("no reason, no space") << QByteArray("HTTP/1.1 500\r\nContent-Length: 0\r\n\r\n") << get
                                         << 500 << QByteArray() << 1 << length << quint64(0) << true << false;
    QTest::newRow("reason with spaces and 8-bit")
        << QByteArray("HTTP/1.1 401 Not \xc3\xa9 Authorized\r\nContent-Length: 3\r\n\r\n") << get << 401
        << QByteArray("Not \xc3\xa9 Authorized") << 1 << length << quint64(3) << true << false;
    QTest::newRow("identical repeated length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n") << get << 200
        << QByteArray("OK") << 1 << length << quint64(7) << true << false;
}

void tst_HttpResponseParser::validResponse()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, method);
    for (const bool byteByByte : {false, true}) {
        ResponseHead head;
        Outcome outcome;
        if (byteByByte) {
            outcome = parseByteByByte(input, method, head);
        } else {
            ResponseHeadParser parser;
            const ParseResult result = parser.parse(input, method, head);
            outcome = {result.status, result.error, result.consumed, input.size()};
        }
        QCOMPARE(outcome.status, ParseStatus::Complete);
        QCOMPARE(outcome.consumed, input.size());
        QCOMPARE(outcome.bytesFed, input.size());
        QTEST(head.status(), "status");
        QTEST(head.reason().toByteArray(), "reason");
        QTEST(head.minorVersion(), "minorVersion");
        QTEST(int(head.framing()), "framing");
        QTEST(head.contentLength(), "contentLength");
        QTEST(head.keepAlive(), "keepAlive");
        QTEST(head.isInterim(), "interim");
    }
}

void tst_HttpResponseParser::invalidResponse_data()
{
    QTest::addColumn<QByteArray>("input");

    QTest::newRow("garbage") << QByteArray("hello\r\n\r\n");
    QTest::newRow("HTTP/2") << QByteArray("HTTP/2.0 200 OK\r\n\r\n");
    QTest::newRow("lower-case") << QByteArray("http/1.1 200 OK\r\n\r\n");
    QTest::newRow("two-digit status") << QByteArray("HTTP/1.1 20 OK\r\n\r\n");
    QTest::newRow("four-digit status") << QByteArray("HTTP/1.1 2000 OK\r\n\r\n");
    QTest::newRow("status 099") << QByteArray("HTTP/1.1 099 X\r\n\r\n");
    QTest::newRow("status 600") << QByteArray("HTTP/1.1 600 X\r\n\r\n");
    QTest::newRow("101 unasked") << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n");
    QTest::newRow("CTL in reason") << QByteArray("HTTP/1.1 200 O\x01K\r\n\r\n");
    QTest::newRow("bare LF") << QByteArray("HTTP/1.1 200 OK\nContent-Length: 0\n\n");
    QTest::newRow("obs-fold") << QByteArray("HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n");
    QTest::newRow("space before colon") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n");
    QTest::newRow("no colon") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length 0\r\n\r\n");
    QTest::newRow("CTL in value") << QByteArray("HTTP/1.1 200 OK\r\nX: \x7f\r\nContent-Length: 0\r\n\r\n");
    QTest::newRow("CL and TE") << QByteArray(
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
    QTest::newRow("differing CL") << QByteArray(
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n");
    QTest::newRow("CL list") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n");
    QTest::newRow("CL not a number") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n");
    QTest::newRow("CL overflow") << QByteArray(
        "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n");
    QTest::newRow("TE gzip") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
    QTest::newRow("TE gzip, chunked")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
    QTest::newRow("TE in 1.0") << QByteArray("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
}

void tst_HttpResponseParser::invalidResponse()
{
    QFETCH(QByteArray, input);
    ResponseHead head;
    ResponseHeadParser parser;
    const ParseResult whole = parser.parse(input, "GET", head);
    QCOMPARE(whole.status, ParseStatus::Error);
    QCOMPARE(whole.error, HttpError::BadResponse);
    QVERIFY(!whole.detail.isEmpty());
    const Outcome slow = parseByteByByte(input, "GET", head);
    QCOMPARE(slow.status, ParseStatus::Error);
    QCOMPARE(slow.error, HttpError::BadResponse);
}

void tst_HttpResponseParser::pipelinedResponses()
{
    const QByteArray interim("HTTP/1.1 100 Continue\r\n\r\n");
    const QByteArray final("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n");
    const QByteArray buffer = interim + final + "ok";
    ResponseHeadParser parser;
    ResponseHead head;
    ParseResult result = parser.parse(buffer, "POST", head);
    QCOMPARE(result.status, ParseStatus::Complete);
    QCOMPARE(result.consumed, interim.size());
    QVERIFY(head.isInterim());
    result = parser.parse(QByteArrayView(buffer).sliced(interim.size()), "POST", head);
    QCOMPARE(result.status, ParseStatus::Complete);
    QCOMPARE(result.consumed, final.size());
    QCOMPARE(head.status(), 201);
    QCOMPARE(head.contentLength(), quint64(2));
    QCOMPARE(head.value("content-length"), QByteArrayView("2"));
}

void tst_HttpResponseParser::overLimitHeadFailsBeforeItsEnd()
{
    Limits limits;
    limits.maxHeadBytes = 512;
    const QByteArray input = "HTTP/1.1 200 OK\r\nX: " + QByteArray(1000, 'a') + "\r\n\r\n";
    ResponseHead head;
    const Outcome slow = parseByteByByte(input, "GET", head, limits);
    QCOMPARE(slow.error, HttpError::BadResponse);
    QCOMPARE(slow.bytesFed, limits.maxHeadBytes + 1);
}

QTEST_GUILESS_MAIN(tst_HttpResponseParser)
#include "tst_HttpResponseParser.moc"
