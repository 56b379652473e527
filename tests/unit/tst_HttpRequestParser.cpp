#include "http/HttpStatus.h"
#include "http/RequestHeadParser.h"

#include <QTest>

using namespace aap::http;

namespace {

struct Outcome {
    ParseStatus status = ParseStatus::Incomplete;
    HttpError error = HttpError::None;
    qsizetype consumed = 0;
    qsizetype bytesFed = 0; // how much of the input the parser had seen when it answered
};

Outcome parseWhole(const QByteArray &input, RequestHead &head, Limits limits = {})
{
    RequestHeadParser parser(limits);
    const ParseResult result = parser.parse(input, head);
    return {result.status, result.error, result.consumed, input.size()};
}

// Feeds a growing prefix of `input`, one byte more each call, like a slow client.
Outcome parseByteByByte(const QByteArray &input, RequestHead &head, Limits limits = {})
{
    RequestHeadParser parser(limits);
    for (qsizetype n = 1; n <= input.size(); ++n) {
        const ParseResult result = parser.parse(QByteArrayView(input).first(n), head);
        if (result.status != ParseStatus::Incomplete)
            return {result.status, result.error, result.consumed, n};
    }
    return {ParseStatus::Incomplete, HttpError::None, 0, input.size()};
}

QByteArray repeated(char c, qsizetype count)
{
    return QByteArray(count, c);
}

} // namespace

class tst_HttpRequestParser : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void validRequest_data();
    void validRequest();
    void invalidRequest_data();
    void invalidRequest();
    void incompleteUntilLastByte();
    void pipelinedRequests();
    void overLimitHeadFailsBeforeItsEnd();
    void longTargetFailsBeforeItsEnd();
    void tooManyFields();
    void bodyLimit();
    void headerLookupIsCaseInsensitive();
    void headerBytesAreCopied();
    void firstTraceparentIsKept();
    void reusedHeadKeepsNoStaleState();
    void statusCodes_data();
    void statusCodes();
    void everyByteInFieldValues();
    void everyByteInTarget();
};

void tst_HttpRequestParser::validRequest_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("form");
    QTest::addColumn<QByteArray>("authority");
    QTest::addColumn<QByteArray>("pathAndQuery");
    QTest::addColumn<int>("minorVersion");
    QTest::addColumn<int>("framing");
    QTest::addColumn<quint64>("contentLength");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<bool>("expectContinue");
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<int>("headerCount");

    const int origin = int(TargetForm::Origin);
    const int absolute = int(TargetForm::Absolute);
    const int none = int(BodyFraming::None);
    const int length = int(BodyFraming::ContentLength);
    const int chunked = int(BodyFraming::Chunked);

    QTest::newRow("simple GET") << QByteArray("GET /api/v1/query?x=1 HTTP/1.1\r\nHost: proxy\r\n\r\n")
                                << QByteArray("GET") << QByteArray("/api/v1/query?x=1") << origin
                                << QByteArray() << QByteArray("/api/v1/query?x=1") << 1 << none << quint64(0)
                                << true << false << QByteArray("proxy") << 1;
    QTest::newRow("OWS trimmed, empty value")
        << QByteArray("GET / HTTP/1.1\r\nHost:  proxy:8081 \t\r\nX-Empty:\r\nX-Space:   \r\n\r\n")
        << QByteArray("GET") << QByteArray("/") << origin << QByteArray() << QByteArray("/") << 1 << none
        << quint64(0) << true << false << QByteArray("proxy:8081") << 3;
    QTest::newRow("POST content-length")
        << QByteArray("POST /api/v1/write HTTP/1.1\r\nHost: h\r\nContent-Length: 42\r\n\r\n")
        << QByteArray("POST") << QByteArray("/api/v1/write") << origin << QByteArray()
        << QByteArray("/api/v1/write") << 1 << length << quint64(42) << true << false << QByteArray("h") << 2;
    QTest::newRow("content-length 0")
        << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n") << QByteArray("POST")
        << QByteArray("/") << origin << QByteArray() << QByteArray("/") << 1 << length << quint64(0) << true
        << false << QByteArray("h") << 2;
    QTest::newRow("content-length max")
        << QByteArray("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551615\r\n\r\n")
        << QByteArray("PUT") << QByteArray("/") << origin << QByteArray() << QByteArray("/") << 1 << length
        << quint64(18446744073709551615ULL) << true << false << QByteArray("h") << 2;
    QTest::newRow("chunked") << QByteArray(
                                    "POST /w HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
                             << QByteArray("POST") << QByteArray("/w") << origin << QByteArray()
                             << QByteArray("/w") << 1 << chunked << quint64(0) << true << false
                             << QByteArray("h") << 2;
    QTest::newRow("chunked, case and list form")
        << QByteArray("POST /w HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,CHUNKED\r\n\r\n")
        << QByteArray("POST") << QByteArray("/w") << origin << QByteArray() << QByteArray("/w") << 1
        << chunked << quint64(0) << true << false << QByteArray("h") << 2;
    QTest::newRow("1.1 connection close")
        << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n") << QByteArray("GET")
        << QByteArray("/") << origin << QByteArray() << QByteArray("/") << 1 << none << quint64(0) << false
        << false << QByteArray("h") << 2;
    QTest::newRow("1.1 close in a token list")
        << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nConnection: x-foo, close\r\n\r\n") << QByteArray("GET")
        << QByteArray("/") << origin << QByteArray() << QByteArray("/") << 1 << none << quint64(0) << false
        << false << QByteArray("h") << 2;
    QTest::newRow("1.0 default close")
        << QByteArray("GET / HTTP/1.0\r\n\r\n") << QByteArray("GET") << QByteArray("/") << origin
        << QByteArray() << QByteArray("/") << 0 << none << quint64(0) << false << false << QByteArray() << 0;
    QTest::newRow("1.0 keep-alive") << QByteArray(
                                           "GET / HTTP/1.0\r\nHost: h\r\nConnection: Keep-Alive\r\n\r\n")
                                    << QByteArray("GET") << QByteArray("/") << origin << QByteArray()
                                    << QByteArray("/") << 0 << none << quint64(0) << true << false
                                    << QByteArray("h") << 2;
    QTest::newRow("1.0 expect ignored")
        << QByteArray("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")
        << QByteArray("POST") << QByteArray("/") << origin << QByteArray() << QByteArray("/") << 0 << length
        << quint64(1) << false << false << QByteArray() << 2;
    QTest::newRow("1.1 expect 100-continue")
        << QByteArray("PUT /x HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n")
        << QByteArray("PUT") << QByteArray("/x") << origin << QByteArray() << QByteArray("/x") << 1 << length
        << quint64(5) << true << true << QByteArray("h") << 3;
    QTest::newRow("1.9 treated like 1.1")
        << QByteArray("GET / HTTP/1.9\r\nHost: h\r\n\r\n") << QByteArray("GET") << QByteArray("/") << origin
        << QByteArray() << QByteArray("/") << 9 << none << quint64(0) << true << false << QByteArray("h")
        << 1;
    QTest::newRow("absolute form") << QByteArray(
                                          "GET http://proxy:8081/api?q=1 HTTP/1.1\r\nHost: other\r\n\r\n")
                                   << QByteArray("GET") << QByteArray("http://proxy:8081/api?q=1") << absolute
                                   << QByteArray("proxy:8081") << QByteArray("/api?q=1") << 1 << none
                                   << quint64(0) << true << false << QByteArray("other") << 1;
    QTest::newRow("absolute form https, no path")
        << QByteArray("GET HTTPS://[::1]:443 HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray("GET")
        << QByteArray("HTTPS://[::1]:443") << absolute << QByteArray("[::1]:443") << QByteArray() << 1 << none
        << quint64(0) << true << false << QByteArray("x") << 1;
    QTest::newRow("absolute form, query only")
        << QByteArray("GET http://h?a=b HTTP/1.1\r\nHost: h\r\n\r\n") << QByteArray("GET")
        << QByteArray("http://h?a=b") << absolute << QByteArray("h") << QByteArray("?a=b") << 1 << none
        << quint64(0) << true << false << QByteArray("h") << 1;
    QTest::newRow("OPTIONS *") << QByteArray("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n") << QByteArray("OPTIONS")
                               << QByteArray("*") << int(TargetForm::Asterisk) << QByteArray()
                               << QByteArray("*") << 1 << none << quint64(0) << true << false
                               << QByteArray("h") << 1;
    QTest::newRow("leading empty lines skipped")
        << QByteArray("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n") << QByteArray("GET") << QByteArray("/")
        << origin << QByteArray() << QByteArray("/") << 1 << none << quint64(0) << true << false
        << QByteArray("h") << 1;
    QTest::newRow("token method, odd but legal chars")
        << QByteArray("M-SEARCH /%7Efoo/a;b=c?x=%20&y#frag HTTP/1.1\r\nHost: h\r\nX-Obs: caf\xc3\xa9\r\n\r\n")
        << QByteArray("M-SEARCH") << QByteArray("/%7Efoo/a;b=c?x=%20&y#frag") << origin << QByteArray()
        << QByteArray("/%7Efoo/a;b=c?x=%20&y#frag") << 1 << none << quint64(0) << true << false
        << QByteArray("h") << 2;
}

void tst_HttpRequestParser::validRequest()
{
    QFETCH(QByteArray, input);
    for (const bool byteByByte : {false, true}) {
        RequestHead head;
        const Outcome outcome = byteByByte ? parseByteByByte(input, head) : parseWhole(input, head);
        QCOMPARE(outcome.status, ParseStatus::Complete);
        QCOMPARE(outcome.error, HttpError::None);
        QCOMPARE(outcome.consumed, input.size());
        QCOMPARE(outcome.bytesFed, input.size());
        QTEST(head.method().toByteArray(), "method");
        QTEST(head.target().toByteArray(), "target");
        QTEST(int(head.targetForm()), "form");
        QTEST(head.authority().toByteArray(), "authority");
        QTEST(head.pathAndQuery().toByteArray(), "pathAndQuery");
        QTEST(head.minorVersion(), "minorVersion");
        QTEST(int(head.framing()), "framing");
        QTEST(head.contentLength(), "contentLength");
        QTEST(head.keepAlive(), "keepAlive");
        QTEST(head.expectContinue(), "expectContinue");
        QTEST(head.host().toByteArray(), "host");
        QTEST(int(head.headerCount()), "headerCount");
    }
}

void tst_HttpRequestParser::invalidRequest_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<HttpError>("error");

    const auto bad = HttpError::BadRequest;
    // Request line
    QTest::newRow("no method") << QByteArray(" / HTTP/1.1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("method with slash") << QByteArray("GE/T / HTTP/1.1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("method with CTL") << QByteArray("GE\x01T / HTTP/1.1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("method too long") << QByteArray(QByteArray(33, 'M') + " / HTTP/1.1\r\nHost: h\r\n\r\n")
                                     << bad;
    QTest::newRow("double space") << QByteArray("GET  / HTTP/1.1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("tab separator") << QByteArray("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("space in target") << QByteArray("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("trailing space") << QByteArray("GET / HTTP/1.1 \r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("HTTP/0.9 style") << QByteArray("GET /\r\n\r\n") << bad;
    QTest::newRow("lower-case version") << QByteArray("GET / http/1.1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("version 1.10") << QByteArray("GET / HTTP/1.10\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("version 1") << QByteArray("GET / HTTP/1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\nHost: h\r\n\r\n")
                              << HttpError::VersionNotSupported;
    QTest::newRow("HTTP/0.9") << QByteArray("GET / HTTP/0.9\r\nHost: h\r\n\r\n")
                              << HttpError::VersionNotSupported;
    QTest::newRow("8-bit byte in target")
        << QByteArray("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("DEL in target") << QByteArray("GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("relative target") << QByteArray("GET api HTTP/1.1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("other scheme") << QByteArray("GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("absolute, empty authority")
        << QByteArray("GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("absolute, userinfo") << QByteArray("GET http://u@h/x HTTP/1.1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("asterisk for GET") << QByteArray("GET * HTTP/1.1\r\nHost: h\r\n\r\n") << bad;
    QTest::newRow("CONNECT") << QByteArray("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n")
                             << HttpError::MethodNotAllowed;
    QTest::newRow("TRACE") << QByteArray("TRACE / HTTP/1.1\r\nHost: h\r\n\r\n")
                           << HttpError::MethodNotAllowed;
    // A TLS ClientHello on the plain-text port fails at its first byte, without waiting for a line end.
    QTest::newRow("TLS handshake") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) << bad;
    // Line ends
    QTest::newRow("bare LF in fields") << QByteArray("GET / HTTP/1.1\r\nHost: h\n\r\n") << bad;
    QTest::newRow("bare LF request line") << QByteArray("GET / HTTP/1.1\nHost: h\r\n\r\n") << bad;
    QTest::newRow("bare LF end") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\n\n") << bad;
    QTest::newRow("bare CR in value") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n") << bad;
    QTest::newRow("leading bare LF") << QByteArray("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n") << bad;
    // Field lines
    QTest::newRow("no colon") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n") << bad;
    QTest::newRow("space before colon") << QByteArray("GET / HTTP/1.1\r\nHost : h\r\n\r\n") << bad;
    QTest::newRow("tab before colon") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nX\t: 1\r\n\r\n") << bad;
    QTest::newRow("empty name") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n") << bad;
    QTest::newRow("name with slash") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nX/Y: v\r\n\r\n") << bad;
    QTest::newRow("obs-fold") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n") << bad;
    QTest::newRow("obs-fold tab") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n") << bad;
    QTest::newRow("first line folded") << QByteArray("GET / HTTP/1.1\r\n Host: h\r\n\r\n") << bad;
    QTest::newRow("NUL in value") << QByteArrayLiteral("GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n") << bad;
    QTest::newRow("CTL in value") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nX: a\x1b b\r\n\r\n") << bad;
    QTest::newRow("DEL in value") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n") << bad;
    // Host
    QTest::newRow("1.1 without Host") << QByteArray("GET / HTTP/1.1\r\nX: y\r\n\r\n") << bad;
    QTest::newRow("two Host") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n") << bad;
    QTest::newRow("1.0 two Host") << QByteArray("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n") << bad;
    QTest::newRow("Host with path") << QByteArray("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n") << bad;
    QTest::newRow("Host with space") << QByteArray("GET / HTTP/1.1\r\nHost: a b\r\n\r\n") << bad;
    QTest::newRow("Host with userinfo") << QByteArray("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n") << bad;
    // Framing (request smuggling)
    QTest::newRow("CL and TE")
        << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")
        << bad;
    QTest::newRow("TE and CL")
        << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n")
        << bad;
    QTest::newRow("CL differing")
        << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n") << bad;
    QTest::newRow("CL identical repeat (rejected)")
        << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n") << bad;
    QTest::newRow("CL list") << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n")
                             << bad;
    QTest::newRow("CL sign") << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n") << bad;
    QTest::newRow("CL negative") << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n")
                                 << bad;
    QTest::newRow("CL hex") << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n")
                            << bad;
    QTest::newRow("CL empty") << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n") << bad;
    QTest::newRow("CL inner space") << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n")
                                    << bad;
    QTest::newRow("CL overflow")
        << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551616\r\n\r\n") << bad;
    QTest::newRow("CL huge")
        << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n") << bad;
    QTest::newRow("TE gzip") << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n")
                             << bad;
    QTest::newRow("TE chunked then gzip")
        << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n") << bad;
    QTest::newRow("TE gzip then chunked")
        << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
        << HttpError::NotImplemented;
    QTest::newRow("TE split over fields")
        << QByteArray(
               "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n")
        << HttpError::NotImplemented;
    QTest::newRow("TE chunked twice")
        << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n") << bad;
    QTest::newRow("TE chunky") << QByteArray(
                                      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunkedx\r\n\r\n")
                               << bad;
    QTest::newRow("TE empty") << QByteArray("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n")
                              << bad;
    QTest::newRow("TE in HTTP/1.0") << QByteArray("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")
                                    << bad;
    // Expect
    QTest::newRow("expect other") << QByteArray("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n")
                                  << HttpError::ExpectationFailed;
}

void tst_HttpRequestParser::invalidRequest()
{
    QFETCH(QByteArray, input);
    QFETCH(HttpError, error);
    RequestHead head;
    const Outcome whole = parseWhole(input, head);
    QCOMPARE(whole.status, ParseStatus::Error);
    QCOMPARE(whole.error, error);
    const Outcome slow = parseByteByByte(input, head);
    QCOMPARE(slow.status, ParseStatus::Error);
    QCOMPARE(slow.error, error);
}

void tst_HttpRequestParser::incompleteUntilLastByte()
{
    // Every prefix of a valid head is Incomplete (the parse resumes), also in one fresh parser per
    // prefix (no state needed for correctness).
    const QByteArray input("POST /a?b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n");
    for (qsizetype n = 0; n < input.size(); ++n) {
        RequestHeadParser parser;
        RequestHead head;
        QCOMPARE(parser.parse(QByteArrayView(input).first(n), head).status, ParseStatus::Incomplete);
    }
}

void tst_HttpRequestParser::pipelinedRequests()
{
    const QByteArray first("POST /one HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n");
    const QByteArray second("GET /two HTTP/1.1\r\nHost: h\r\n\r\n");
    const QByteArray buffer = first + "abc" + second + "GET /thr";
    RequestHeadParser parser;
    RequestHead head;
    ParseResult result = parser.parse(buffer, head);
    QCOMPARE(result.status, ParseStatus::Complete);
    QCOMPARE(result.consumed, first.size());
    QCOMPARE(head.target(), QByteArrayView("/one"));
    QCOMPARE(head.contentLength(), quint64(3));

    const QByteArrayView rest = QByteArrayView(buffer).sliced(first.size() + 3);
    result = parser.parse(rest, head);
    QCOMPARE(result.status, ParseStatus::Complete);
    QCOMPARE(result.consumed, second.size());
    QCOMPARE(head.target(), QByteArrayView("/two"));

    result = parser.parse(rest.sliced(second.size()), head);
    QCOMPARE(result.status, ParseStatus::Incomplete);
}

void tst_HttpRequestParser::overLimitHeadFailsBeforeItsEnd()
{
    Limits limits;
    limits.maxHeadBytes = 1024;
    const QByteArray input = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + repeated('a', 2000) + "\r\n\r\n";
    RequestHead head;
    const Outcome slow = parseByteByByte(input, head, limits);
    QCOMPARE(slow.status, ParseStatus::Error);
    QCOMPARE(slow.error, HttpError::HeaderFieldsTooLarge);
    QCOMPARE(slow.bytesFed, limits.maxHeadBytes + 1);
    QCOMPARE(parseWhole(input, head, limits).error, HttpError::HeaderFieldsTooLarge);

    // Exactly at the limit is fine.
    const QByteArray prefix("GET / HTTP/1.1\r\nHost: h\r\nX: ");
    const QByteArray exact = prefix + repeated('b', limits.maxHeadBytes - prefix.size() - 4) + "\r\n\r\n";
    QCOMPARE(exact.size(), limits.maxHeadBytes);
    QCOMPARE(parseWhole(exact, head, limits).status, ParseStatus::Complete);
    const QByteArray over = prefix + repeated('b', limits.maxHeadBytes - prefix.size() - 3) + "\r\n\r\n";
    QCOMPARE(parseWhole(over, head, limits).error, HttpError::HeaderFieldsTooLarge);
}

void tst_HttpRequestParser::longTargetFailsBeforeItsEnd()
{
    Limits limits;
    limits.maxTargetBytes = 100;
    const QByteArray input = "GET /" + repeated('x', 500) + " HTTP/1.1\r\nHost: h\r\n\r\n";
    RequestHead head;
    const Outcome slow = parseByteByByte(input, head, limits);
    QCOMPARE(slow.error, HttpError::UriTooLong);
    QVERIFY(slow.bytesFed < 200);
    QCOMPARE(parseWhole(input, head, limits).error, HttpError::UriTooLong);

    const QByteArray justOver = "GET /" + repeated('x', 100) + " HTTP/1.1\r\nHost: h\r\n\r\n";
    QCOMPARE(parseWhole(justOver, head, limits).error, HttpError::UriTooLong);
    const QByteArray atLimit = "GET /" + repeated('x', 99) + " HTTP/1.1\r\nHost: h\r\n\r\n";
    QCOMPARE(parseWhole(atLimit, head, limits).status, ParseStatus::Complete);

    // A long line without a space near its start is garbage, not a long target.
    const QByteArray garbage = repeated('A', 500);
    QCOMPARE(parseWhole(garbage, head, limits).error, HttpError::BadRequest);
}

void tst_HttpRequestParser::tooManyFields()
{
    Limits limits;
    limits.maxHeaderCount = 5;
    QByteArray input("GET / HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < 4; ++i)
        input += "X: 1\r\n";
    RequestHead head;
    QCOMPARE(parseWhole(input + "\r\n", head, limits).status, ParseStatus::Complete);
    input += "X: 1\r\n";
    QCOMPARE(parseWhole(input + "\r\n", head, limits).error, HttpError::HeaderFieldsTooLarge);
    // Detected without waiting for the end of the head.
    QCOMPARE(parseWhole(input + "X: 1\r\n", head, limits).error, HttpError::HeaderFieldsTooLarge);
}

void tst_HttpRequestParser::bodyLimit()
{
    Limits limits;
    limits.maxBodyBytes = 1000;
    RequestHead head;
    QCOMPARE(parseWhole("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n", head, limits).status,
             ParseStatus::Complete);
    QCOMPARE(parseWhole("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n", head, limits).error,
             HttpError::BodyTooLarge);
}

void tst_HttpRequestParser::headerLookupIsCaseInsensitive()
{
    RequestHead head;
    QCOMPARE(parseWhole("GET / HTTP/1.1\r\nHOST: h\r\nx-a: 1\r\nX-A: 2\r\nConnection: foo, Bar\r\n\r\n", head)
                 .status,
             ParseStatus::Complete);
    QCOMPARE(head.value("host"), QByteArrayView("h"));
    QCOMPARE(head.indexOf("X-a"), 1);
    QCOMPARE(head.indexOf("X-a", 2), 2);
    QCOMPARE(head.indexOf("missing"), -1);
    QVERIFY(head.value("missing").isEmpty());
    QVERIFY(head.contains("CONNECTION"));
    QVERIFY(head.hasToken("connection", "bar"));
    QVERIFY(!head.hasToken("connection", "ba"));
    QCOMPARE(head.headerName(2), QByteArrayView("X-A"));
    QCOMPARE(head.headerValue(2), QByteArrayView("2"));
}

void tst_HttpRequestParser::headerBytesAreCopied()
{
    QByteArray buffer("GET /path HTTP/1.1\r\nHost: h\r\n\r\n");
    RequestHead head;
    QCOMPARE(parseWhole(buffer, head).status, ParseStatus::Complete);
    buffer.fill('z');
    buffer.append(QByteArray(4096, 'y')); // the caller's buffer moves and changes
    QCOMPARE(head.target(), QByteArrayView("/path"));
    QCOMPARE(head.host(), QByteArrayView("h"));
    QCOMPARE(head.bytes(), QByteArrayView("GET /path HTTP/1.1\r\nHost: h\r\n\r\n"));
}

void tst_HttpRequestParser::firstTraceparentIsKept()
{
    RequestHeadParser parser;
    RequestHead head;
    QCOMPARE(parser
                 .parse("GET / HTTP/1.1\r\nHost: h\r\nTraceParent:  00-a  \r\nX-Trace-Id: 1\r\n"
                        "traceparent: 00-b\r\n\r\n",
                        head)
                 .status,
             ParseStatus::Complete);
    QCOMPARE(head.traceparent(), QByteArrayView("00-a"));
    // An empty first field is the one that counts, as for value().
    QCOMPARE(
        parser.parse("GET / HTTP/1.1\r\nHost: h\r\ntraceparent:\r\ntraceparent: 00-b\r\n\r\n", head).status,
        ParseStatus::Complete);
    QVERIFY(head.traceparent().isEmpty());
    QCOMPARE(head.traceparent(), head.value("traceparent"));
}

void tst_HttpRequestParser::reusedHeadKeepsNoStaleState()
{
    RequestHeadParser parser;
    RequestHead head;
    QCOMPARE(parser
                 .parse("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: "
                        "9\r\nConnection: close\r\ntraceparent: t\r\n\r\n",
                        head)
                 .status,
             ParseStatus::Complete);
    QCOMPARE(parser.parse("GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", head).status, ParseStatus::Complete);
    QCOMPARE(parser.parse("GET /x HTTP/1.1\r\nHost: h\r\n\r\n", head).status, ParseStatus::Complete);
    QVERIFY(!head.expectContinue());
    QVERIFY(head.traceparent().isEmpty());
    QCOMPARE(head.framing(), BodyFraming::None);
    QCOMPARE(head.contentLength(), quint64(0));
    QVERIFY(head.keepAlive());
    QCOMPARE(head.targetForm(), TargetForm::Origin);
    QVERIFY(head.authority().isEmpty());
    QCOMPARE(head.headerCount(), 1);

    // After an error the parser starts over with the next buffer.
    QCOMPARE(parser.parse("GET / HTTP/3.0\r\n", head).status, ParseStatus::Error);
    QCOMPARE(parser.parse("GET /y HTTP/1.1\r\nHost: h\r\n\r\n", head).status, ParseStatus::Complete);
    QCOMPARE(head.target(), QByteArrayView("/y"));
}

void tst_HttpRequestParser::statusCodes_data()
{
    QTest::addColumn<HttpError>("error");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");
    QTest::newRow("bad request") << HttpError::BadRequest << 400 << QByteArray("Bad Request");
    QTest::newRow("bad chunk") << HttpError::BadChunk << 400 << QByteArray("Bad Request");
    QTest::newRow("length required") << HttpError::LengthRequired << 411 << QByteArray("Length Required");
    QTest::newRow("body too large") << HttpError::BodyTooLarge << 413 << QByteArray("Content Too Large");
    QTest::newRow("uri too long") << HttpError::UriTooLong << 414 << QByteArray("URI Too Long");
    QTest::newRow("expectation") << HttpError::ExpectationFailed << 417 << QByteArray("Expectation Failed");
    QTest::newRow("431") << HttpError::HeaderFieldsTooLarge << 431
                         << QByteArray("Request Header Fields Too Large");
    QTest::newRow("405") << HttpError::MethodNotAllowed << 405 << QByteArray("Method Not Allowed");
    QTest::newRow("501") << HttpError::NotImplemented << 501 << QByteArray("Not Implemented");
    QTest::newRow("502") << HttpError::BadResponse << 502 << QByteArray("Bad Gateway");
    QTest::newRow("505") << HttpError::VersionNotSupported << 505 << QByteArray("HTTP Version Not Supported");
}

void tst_HttpRequestParser::statusCodes()
{
    QFETCH(HttpError, error);
    QFETCH(int, status);
    QCOMPARE(statusCodeFor(error), status);
    QTEST(reasonPhrase(status), "reason");
    QCOMPARE(reasonPhrase(299), QByteArray("Unknown"));
}

void tst_HttpRequestParser::everyByteInFieldValues()
{
    // Each byte value at each position of a long value (the value check works on 8-byte words),
    // also right after an allowed HTAB in the same word.
    const QByteArray prefix("GET / HTTP/1.1\r\nHost: h\r\nX-Value: ");
    for (int byte = 0; byte < 256; ++byte) {
        const char c = char(byte);
        const bool allowed = c == '\t' || (byte >= 0x20 && byte != 0x7f);
        for (int position = 0; position < 20; ++position) {
            for (const bool afterTab : {false, true}) {
                QByteArray value(20, 'v');
                value[position] = c;
                if (afterTab && position > 0)
                    value[position - 1] = '\t';
                RequestHead head;
                const Outcome outcome = parseWhole(prefix + value + "\r\n\r\n", head);
                if (c == '\n') {
                    QCOMPARE(outcome.error, HttpError::BadRequest); // bare LF
                    continue;
                }
                QVERIFY2((outcome.status == ParseStatus::Complete) == allowed,
                         qPrintable(QStringLiteral("byte %1 at %2").arg(byte).arg(position)));
                if (!allowed)
                    QCOMPARE(outcome.error, HttpError::BadRequest);
            }
        }
    }
}

void tst_HttpRequestParser::everyByteInTarget()
{
    for (int byte = 0; byte < 256; ++byte) {
        const char c = char(byte);
        if (c == '\r' || c == '\n' || c == ' ')
            continue; // these end the line or the target
        const bool allowed = byte > 0x20 && byte < 0x7f;
        for (int position = 1; position < 20; ++position) {
            QByteArray target(20, 'a');
            target[0] = '/';
            target[position] = c;
            RequestHead head;
            const Outcome outcome = parseWhole("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n", head);
            QVERIFY2((outcome.status == ParseStatus::Complete) == allowed,
                     qPrintable(QStringLiteral("byte %1 at %2").arg(byte).arg(position)));
        }
    }
}

QTEST_GUILESS_MAIN(tst_HttpRequestParser)
#include "tst_HttpRequestParser.moc"
