#include "http/HeadRewriter.h"
#include "http/RequestHeadParser.h"
#include "http/ResponseHeadParser.h"

#include <QTest>

using namespace aap::http;

namespace {

RequestHead parseRequest(const QByteArray &bytes)
{
    RequestHeadParser parser;
    RequestHead head;
    const ParseResult result = parser.parse(bytes, head);
    if (result.status != ParseStatus::Complete)
        qFatal("test input does not parse: %s", result.detail.constData());
    return head;
}

ResponseHead parseResponse(const QByteArray &bytes, QByteArrayView method = "GET")
{
    ResponseHeadParser parser;
    ResponseHead head;
    const ParseResult result = parser.parse(bytes, method, head);
    if (result.status != ParseStatus::Complete)
        qFatal("test input does not parse: %s", result.detail.constData());
    return head;
}

UpstreamTarget target(QByteArray host, quint16 port = 0, QByteArray basePath = {},
                      QByteArray scheme = "https")
{
    UpstreamTarget t;
    t.scheme = std::move(scheme);
    t.host = std::move(host);
    t.port = port;
    t.basePath = std::move(basePath);
    return t;
}

// The bearer value handed to the rewriter in these tests: a made-up placeholder, never a real token.
const QByteArray kAuthorization("Bearer test-placeholder");

} // namespace

class tst_HttpHeadRewriter : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void upstreamHost_data();
    void upstreamHost();
    void requestTarget_data();
    void requestTarget();
    void requestFields();
    void connectionNamedFieldsRemoved();
    void routeEdits();
    void stripPrefix_data();
    void stripPrefix();
    void forwardedFor_data();
    void forwardedFor();
    void forwardedHostFromAbsoluteForm();
    void chunkedRequestStaysChunked();
    void http10RequestBecomes11();
    void clientAuthorizationReplaced();
    void responsePlan_data();
    void responsePlan();
    void responseHead();
    void responseHeadForHttp10Client();
    void interimResponse();
    void appendsToCallerBuffer();
};

void tst_HttpHeadRewriter::upstreamHost_data()
{
    QTest::addColumn<QByteArray>("scheme");
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("https default") << QByteArray("https") << QByteArray("ws.prometheus.monitor.azure.com")
                                   << 443 << QByteArray("ws.prometheus.monitor.azure.com");
    QTest::newRow("https no port") << QByteArray("https") << QByteArray("a.b") << 0 << QByteArray("a.b");
    QTest::newRow("https other port")
        << QByteArray("https") << QByteArray("a.b") << 8443 << QByteArray("a.b:8443");
    QTest::newRow("http default") << QByteArray("http") << QByteArray("127.0.0.1") << 80
                                  << QByteArray("127.0.0.1");
    QTest::newRow("http 443 is not default")
        << QByteArray("http") << QByteArray("h") << 443 << QByteArray("h:443");
    QTest::newRow("ipv6") << QByteArray("https") << QByteArray("::1") << 0 << QByteArray("[::1]");
    QTest::newRow("ipv6 port") << QByteArray("http") << QByteArray("fe80::1") << 8080
                               << QByteArray("[fe80::1]:8080");
    QTest::newRow("ipv6 bracketed") << QByteArray("http") << QByteArray("[::1]") << 81
                                    << QByteArray("[::1]:81");
}

void tst_HttpHeadRewriter::upstreamHost()
{
    QFETCH(QByteArray, scheme);
    QFETCH(QByteArray, host);
    QFETCH(int, port);
    const HeadRewriter rewriter(target(host, quint16(port), {}, scheme));
    QTEST(rewriter.upstreamHost(), "expected");
}

void tst_HttpHeadRewriter::requestTarget_data()
{
    QTest::addColumn<QByteArray>("requestLine");
    QTest::addColumn<QByteArray>("basePath");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("no base") << QByteArray("GET /api/v1/query?x=1 HTTP/1.1") << QByteArray()
                             << QByteArray("GET /api/v1/query?x=1 HTTP/1.1");
    QTest::newRow("base") << QByteArray("GET /api/v1/query?x=1 HTTP/1.1") << QByteArray("/prom")
                          << QByteArray("GET /prom/api/v1/query?x=1 HTTP/1.1");
    QTest::newRow("base with slash") << QByteArray("GET /a HTTP/1.1") << QByteArray("/prom/")
                                     << QByteArray("GET /prom/a HTTP/1.1");
    QTest::newRow("base without leading slash")
        << QByteArray("GET /a HTTP/1.1") << QByteArray("prom") << QByteArray("GET /prom/a HTTP/1.1");
    QTest::newRow("base slash only") << QByteArray("GET /a HTTP/1.1") << QByteArray("/")
                                     << QByteArray("GET /a HTTP/1.1");
    QTest::newRow("root with base") << QByteArray("GET / HTTP/1.1") << QByteArray("/prom")
                                    << QByteArray("GET /prom/ HTTP/1.1");
    QTest::newRow("no re-encoding") << QByteArray("POST /a%2Fb/%7e/..;x/./c?q=%20+&r=%zz&&#f HTTP/1.1")
                                    << QByteArray()
                                    << QByteArray("POST /a%2Fb/%7e/..;x/./c?q=%20+&r=%zz&&#f HTTP/1.1");
    QTest::newRow("double slash kept")
        << QByteArray("GET //x HTTP/1.1") << QByteArray() << QByteArray("GET //x HTTP/1.1");
    QTest::newRow("absolute form") << QByteArray("GET http://proxy:8081/api?x HTTP/1.1") << QByteArray("/b")
                                   << QByteArray("GET /b/api?x HTTP/1.1");
    QTest::newRow("absolute form, no path")
        << QByteArray("GET http://proxy HTTP/1.1") << QByteArray() << QByteArray("GET / HTTP/1.1");
    QTest::newRow("absolute form, query only")
        << QByteArray("GET http://proxy?a=1 HTTP/1.1") << QByteArray() << QByteArray("GET /?a=1 HTTP/1.1");
    QTest::newRow("asterisk") << QByteArray("OPTIONS * HTTP/1.1") << QByteArray("/prom")
                              << QByteArray("OPTIONS * HTTP/1.1");
    QTest::newRow("1.0 becomes 1.1") << QByteArray("HEAD /x HTTP/1.0") << QByteArray()
                                     << QByteArray("HEAD /x HTTP/1.1");
}

void tst_HttpHeadRewriter::requestTarget()
{
    QFETCH(QByteArray, requestLine);
    QFETCH(QByteArray, basePath);
    const RequestHead request = parseRequest(requestLine + "\r\nHost: proxy\r\n\r\n");
    const HeadRewriter rewriter(target("up", 0, basePath));
    QByteArray out;
    rewriter.appendUpstreamRequest(request, {}, {}, {}, out);
    QTEST(out.left(out.indexOf("\r\n")), "expected");
}

void tst_HttpHeadRewriter::requestFields()
{
    const RequestHead request = parseRequest("POST /api/v1/write HTTP/1.1\r\n"
                                             "User-Agent: Prometheus/2.48\r\n"
                                             "Host: localhost:8081\r\n"
                                             "Content-Encoding: snappy\r\n"
                                             "Keep-Alive: timeout=5\r\n"
                                             "Proxy-Connection: keep-alive\r\n"
                                             "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n"
                                             "TE: trailers\r\n"
                                             "Trailer: X-Sum\r\n"
                                             "Upgrade: websocket\r\n"
                                             "Connection: keep-alive\r\n"
                                             "X-Forwarded-Proto: gopher\r\n"
                                             "X-Forwarded-Host: spoofed\r\n"
                                             "content-type:application/x-protobuf  \r\n"
                                             "X-Weird:  a  b\t\r\n"
                                             "Content-Length: 1234\r\n"
                                             "\r\n");
    const HeadRewriter rewriter(target("dce.eastus-1.metrics.ingest.monitor.azure.com", 443));
    QByteArray out;
    rewriter.appendUpstreamRequest(request, kAuthorization, "10.0.0.7", "http", out);
    const QByteArray expected("POST /api/v1/write HTTP/1.1\r\n"
                              "Host: dce.eastus-1.metrics.ingest.monitor.azure.com\r\n"
                              "User-Agent: Prometheus/2.48\r\n"
                              "Content-Encoding: snappy\r\n"
                              "content-type:application/x-protobuf\r\n"
                              "X-Weird:  a  b\r\n"
                              "Content-Length: 1234\r\n"
                              "X-Forwarded-For: 10.0.0.7\r\n"
                              "X-Forwarded-Proto: http\r\n"
                              "X-Forwarded-Host: localhost:8081\r\n"
                              "Authorization: Bearer test-placeholder\r\n"
                              "\r\n");
    QVERIFY2(out == expected, out.constData());
}

void tst_HttpHeadRewriter::routeEdits()
{
    const RequestHead request = parseRequest("POST /w HTTP/1.1\r\nHost: h\r\nX-Api-Key: client-key\r\n"
                                             "x-tenant: spoofed\r\nCookie: c=1\r\nX-Keep: 1\r\n"
                                             "Content-Length: 0\r\n\r\n");
    RequestEdits edits;
    edits.removedHeaders = {"x-api-key", "COOKIE"};
    edits.overrideHeaders = {{"X-Tenant", "contoso"}, {"X-Scope-OrgID", "team a"}};
    const HeadRewriter rewriter(target("up"), edits);
    QByteArray out;
    rewriter.appendUpstreamRequest(request, kAuthorization, {}, {}, out);
    const QByteArray expected("POST /w HTTP/1.1\r\n"
                              "Host: up\r\n"
                              "X-Keep: 1\r\n"
                              "Content-Length: 0\r\n"
                              "X-Forwarded-Host: h\r\n"
                              "X-Tenant: contoso\r\n"
                              "X-Scope-OrgID: team a\r\n"
                              "Authorization: Bearer test-placeholder\r\n"
                              "\r\n");
    QVERIFY2(out == expected, out.constData());
}

void tst_HttpHeadRewriter::stripPrefix_data()
{
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<QByteArray>("basePath");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("below") << QByteArray("/prom") << QByteArray() << QByteArray("/prom/api/v1/write")
                           << QByteArray("/api/v1/write");
    QTest::newRow("prefix with slash")
        << QByteArray("/prom/") << QByteArray() << QByteArray("/prom/x") << QByteArray("/x");
    QTest::newRow("exactly the prefix")
        << QByteArray("/prom") << QByteArray() << QByteArray("/prom") << QByteArray("/");
    QTest::newRow("query after prefix")
        << QByteArray("/prom") << QByteArray() << QByteArray("/prom?a=1") << QByteArray("/?a=1");
    QTest::newRow("not a segment") << QByteArray("/prom") << QByteArray() << QByteArray("/prometheus")
                                   << QByteArray("/prometheus");
    QTest::newRow("root strips nothing")
        << QByteArray("/") << QByteArray() << QByteArray("/a/b") << QByteArray("/a/b");
    QTest::newRow("with base path") << QByteArray("/prom") << QByteArray("/dcr/1") << QByteArray("/prom/api")
                                    << QByteArray("/dcr/1/api");
}

void tst_HttpHeadRewriter::stripPrefix()
{
    QFETCH(QByteArray, prefix);
    QFETCH(QByteArray, basePath);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, expected);
    RequestEdits edits;
    edits.stripPrefix = prefix;
    const HeadRewriter rewriter(::target("up", 0, basePath), edits);
    QByteArray out;
    rewriter.appendUpstreamRequest(parseRequest("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n"), {}, {}, {},
                                   out);
    QCOMPARE(out.left(out.indexOf(" HTTP/1.1")), "GET " + expected);
}

void tst_HttpHeadRewriter::connectionNamedFieldsRemoved()
{
    const RequestHead request =
        parseRequest("GET / HTTP/1.1\r\nHost: h\r\nX-Hop: 1\r\nConnection: x-hop, X-OTHER\r\n"
                     "X-Keep: 2\r\nx-other: 3\r\nConnection: content-length, x-third\r\n"
                     "X-Third: 4\r\nContent-Length: 0\r\n\r\n");
    const HeadRewriter rewriter(target("up"));
    QByteArray out;
    rewriter.appendUpstreamRequest(request, {}, {}, {}, out);
    const QByteArray expected(
        "GET / HTTP/1.1\r\nHost: up\r\nX-Keep: 2\r\nContent-Length: 0\r\nX-Forwarded-Host: h\r\n\r\n");
    QVERIFY2(out == expected, out.constData());
}

void tst_HttpHeadRewriter::forwardedFor_data()
{
    QTest::addColumn<QByteArray>("fields");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("absent") << QByteArray("A: 1\r\n") << QByteArray("A: 1\r\nX-Forwarded-For: 192.0.2.9\r\n");
    QTest::newRow("present") << QByteArray("X-Forwarded-For: 203.0.113.1\r\nA: 1\r\n")
                             << QByteArray("X-Forwarded-For: 203.0.113.1, 192.0.2.9\r\nA: 1\r\n");
    QTest::newRow("list kept") << QByteArray("x-forwarded-for: 1.1.1.1,2.2.2.2\r\n")
                               << QByteArray("x-forwarded-for: 1.1.1.1,2.2.2.2, 192.0.2.9\r\n");
    QTest::newRow("two fields: appended to the last")
        << QByteArray("X-Forwarded-For: 1.1.1.1\r\nA: 1\r\nX-Forwarded-For: 2.2.2.2\r\n")
        << QByteArray("X-Forwarded-For: 1.1.1.1\r\nA: 1\r\nX-Forwarded-For: 2.2.2.2, 192.0.2.9\r\n");
    QTest::newRow("named by Connection: replaced")
        << QByteArray("X-Forwarded-For: 1.1.1.1\r\nConnection: X-Forwarded-For\r\n")
        << QByteArray("X-Forwarded-For: 192.0.2.9\r\n");
    QTest::newRow("empty value") << QByteArray("X-Forwarded-For:\r\n")
                                 << QByteArray("X-Forwarded-For: 192.0.2.9\r\n");
}

void tst_HttpHeadRewriter::forwardedFor()
{
    QFETCH(QByteArray, fields);
    QFETCH(QByteArray, expected);
    const RequestHead request = parseRequest("GET / HTTP/1.1\r\nHost: h\r\n" + fields + "\r\n");
    const HeadRewriter rewriter(target("up"));
    QByteArray out;
    rewriter.appendUpstreamRequest(request, {}, "192.0.2.9", {}, out);
    const QByteArray whole = "GET / HTTP/1.1\r\nHost: up\r\n" + expected + "X-Forwarded-Host: h\r\n\r\n";
    QVERIFY2(out == whole, out.constData());
}

void tst_HttpHeadRewriter::forwardedHostFromAbsoluteForm()
{
    const RequestHead request =
        parseRequest("GET http://proxy.local:8081/x HTTP/1.1\r\nHost: ignored\r\n\r\n");
    const HeadRewriter rewriter(target("up"));
    QByteArray out;
    rewriter.appendUpstreamRequest(request, {}, {}, "https", out);
    const QByteArray expected("GET /x HTTP/1.1\r\nHost: up\r\nX-Forwarded-Proto: https\r\n"
                              "X-Forwarded-Host: proxy.local:8081\r\n\r\n");
    QVERIFY2(out == expected, out.constData());
}

void tst_HttpHeadRewriter::chunkedRequestStaysChunked()
{
    const RequestHead request =
        parseRequest("POST /w HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n");
    const HeadRewriter rewriter(target("up"));
    QByteArray out;
    rewriter.appendUpstreamRequest(request, {}, {}, {}, out);
    const QByteArray expected("POST /w HTTP/1.1\r\nHost: up\r\nX-A: 1\r\nX-Forwarded-Host: "
                              "h\r\nTransfer-Encoding: chunked\r\n\r\n");
    QVERIFY2(out == expected, out.constData());
}

void tst_HttpHeadRewriter::http10RequestBecomes11()
{
    // An HTTP/1.0 client without Host: the upstream request is a valid HTTP/1.1 request.
    const RequestHead request = parseRequest("GET /x HTTP/1.0\r\nConnection: close\r\n\r\n");
    const HeadRewriter rewriter(target("up"));
    QByteArray out;
    rewriter.appendUpstreamRequest(request, {}, {}, {}, out);
    QCOMPARE(out, QByteArray("GET /x HTTP/1.1\r\nHost: up\r\n\r\n"));
}

void tst_HttpHeadRewriter::clientAuthorizationReplaced()
{
    const RequestHead request = parseRequest(
        "GET / HTTP/1.1\r\nAuthorization: Basic Y2xpZW50\r\nHost: h\r\nauthorization: x\r\n\r\n");
    const HeadRewriter rewriter(target("up"));
    QByteArray out;
    rewriter.appendUpstreamRequest(request, kAuthorization, {}, {}, out);
    QVERIFY(!out.contains("Basic"));
    QVERIFY(!out.contains("authorization: x"));
    QCOMPARE(out.count("Authorization: "), 1);
    QVERIFY(out.endsWith("Authorization: Bearer test-placeholder\r\n\r\n"));

    // No value given (e.g. no token yet): the client's header is still not forwarded.
    QByteArray without;
    rewriter.appendUpstreamRequest(request, {}, {}, {}, without);
    QVERIFY(!without.contains("uthorization"));
}

void tst_HttpHeadRewriter::responsePlan_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<bool>("proxyWillClose");
    QTest::addColumn<int>("body");
    QTest::addColumn<bool>("close");

    const QByteArray get11("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    const QByteArray get11Close("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    const QByteArray get10("GET / HTTP/1.0\r\n\r\n");
    const QByteArray get10Keep("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const QByteArray head11("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
    const QByteArray length("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
    const QByteArray chunked("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    const QByteArray untilClose("HTTP/1.1 200 OK\r\n\r\n");
    const QByteArray upstreamClose("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\n");
    const int none = int(DownstreamBody::None);
    const int raw = int(DownstreamBody::Raw);
    const int dechunk = int(DownstreamBody::Dechunk);

    QTest::newRow("1.1 length") << get11 << length << false << raw << false;
    QTest::newRow("1.1 length, proxy closes") << get11 << length << true << raw << true;
    QTest::newRow("1.1 client close") << get11Close << length << false << raw << true;
    QTest::newRow("1.1 chunked") << get11 << chunked << false << raw << false;
    QTest::newRow("1.1 until close") << get11 << untilClose << false << raw << true;
    QTest::newRow("upstream close does not close client") << get11 << upstreamClose << false << raw << false;
    QTest::newRow("1.0 length") << get10 << length << false << raw << true;
    QTest::newRow("1.0 keep-alive length") << get10Keep << length << false << raw << false;
    QTest::newRow("1.0 keep-alive chunked") << get10Keep << chunked << false << dechunk << true;
    QTest::newRow("HEAD") << head11 << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n") << false
                          << none << false;
    QTest::newRow("204") << get11 << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << false << none << false;
    QTest::newRow("length 0") << get11 << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") << false
                              << none << false;
}

void tst_HttpHeadRewriter::responsePlan()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, response);
    QFETCH(bool, proxyWillClose);
    const RequestHead requestHead = parseRequest(request);
    const ResponseHead responseHead = parseResponse(response, requestHead.method());
    const ResponsePlan plan = HeadRewriter::planResponse(responseHead, requestHead, proxyWillClose);
    QVERIFY(plan.forwardHead);
    QTEST(int(plan.body), "body");
    QTEST(plan.closeDownstream, "close");
}

void tst_HttpHeadRewriter::responseHead()
{
    const RequestHead request = parseRequest("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    const ResponseHead response = parseResponse("HTTP/1.1 429 Too Many Requests\r\n"
                                                "Retry-After: 5\r\n"
                                                "Connection: keep-alive, X-Internal\r\n"
                                                "Keep-Alive: timeout=60\r\n"
                                                "X-Internal: secret-topology\r\n"
                                                "Set-Cookie: a=1\r\n"
                                                "Set-Cookie: b=2\r\n"
                                                "Transfer-Encoding: chunked\r\n"
                                                "Trailer: X-Sum\r\n"
                                                "Content-Type:  application/json \r\n"
                                                "\r\n");
    const ResponsePlan plan = HeadRewriter::planResponse(response, request, false);
    QByteArray out;
    HeadRewriter::appendDownstreamResponse(response, request, plan, out);
    const QByteArray expected("HTTP/1.1 429 Too Many Requests\r\n"
                              "Retry-After: 5\r\n"
                              "Set-Cookie: a=1\r\n"
                              "Set-Cookie: b=2\r\n"
                              "Content-Type:  application/json\r\n"
                              "Transfer-Encoding: chunked\r\n"
                              "\r\n");
    QVERIFY2(out == expected, out.constData());

    // Closing: announced; a close-delimited upstream body is close-delimited for the client too.
    const ResponseHead untilClose = parseResponse("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n");
    QByteArray closing;
    HeadRewriter::appendDownstreamResponse(untilClose, request,
                                           HeadRewriter::planResponse(untilClose, request, false), closing);
    QCOMPARE(closing, QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"));

    // Content-Length and an empty reason kept as they are.
    const ResponseHead empty = parseResponse("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n");
    QByteArray plain;
    HeadRewriter::appendDownstreamResponse(empty, request, HeadRewriter::planResponse(empty, request, false),
                                           plain);
    QCOMPARE(plain, QByteArray("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n"));
}

void tst_HttpHeadRewriter::responseHeadForHttp10Client()
{
    const RequestHead keep = parseRequest("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const ResponseHead length = parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
    QByteArray out;
    HeadRewriter::appendDownstreamResponse(length, keep, HeadRewriter::planResponse(length, keep, false),
                                           out);
    QCOMPARE(out, QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n"));

    // A chunked body is de-chunked and close-delimited for an HTTP/1.0 client.
    const ResponseHead chunked =
        parseResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: 1\r\n\r\n");
    const ResponsePlan plan = HeadRewriter::planResponse(chunked, keep, false);
    QCOMPARE(plan.body, DownstreamBody::Dechunk);
    QByteArray dechunked;
    HeadRewriter::appendDownstreamResponse(chunked, keep, plan, dechunked);
    QCOMPARE(dechunked, QByteArray("HTTP/1.1 200 OK\r\nX: 1\r\nConnection: close\r\n\r\n"));
}

void tst_HttpHeadRewriter::interimResponse()
{
    const ResponseHead interim =
        parseResponse("HTTP/1.1 100 Continue\r\nConnection: keep-alive\r\n\r\n", "PUT");
    const RequestHead request11 = parseRequest("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n");
    const ResponsePlan plan = HeadRewriter::planResponse(interim, request11, false);
    QVERIFY(plan.forwardHead);
    QCOMPARE(plan.body, DownstreamBody::None);
    QVERIFY(!plan.closeDownstream);
    QByteArray out;
    HeadRewriter::appendDownstreamResponse(interim, request11, plan, out);
    QCOMPARE(out, QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));

    const RequestHead request10 = parseRequest("PUT / HTTP/1.0\r\n\r\n");
    QVERIFY(!HeadRewriter::planResponse(interim, request10, false).forwardHead);
}

void tst_HttpHeadRewriter::appendsToCallerBuffer()
{
    const RequestHead request = parseRequest("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    const HeadRewriter rewriter(target("up"));
    QByteArray out("existing");
    out.reserve(1024);
    const char *before = out.constData();
    rewriter.appendUpstreamRequest(request, {}, {}, {}, out);
    QVERIFY(out.startsWith("existingGET / HTTP/1.1\r\n"));
    QCOMPARE(out.constData(), before); // reserved capacity used, no reallocation
}

QTEST_GUILESS_MAIN(tst_HttpHeadRewriter)
#include "tst_HttpHeadRewriter.moc"
