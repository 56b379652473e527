#include "http/ChunkedDecoder.h"
#include "http/ChunkedEncoder.h"

#include <QTest>

using namespace aap::http;

namespace {

struct Decoded {
    ParseStatus status = ParseStatus::Incomplete;
    HttpError error = HttpError::None;
    qsizetype consumed = 0; // input bytes up to the end of the message
    QByteArray payload;
};

// Feeds `input` in pieces of `step` bytes, as a socket would deliver it.
Decoded decodeInSteps(const QByteArray &input, qsizetype step, Limits limits = {})
{
    ChunkedDecoder decoder(limits);
    Decoded out;
    qsizetype position = 0; // input bytes the decoder consumed
    for (qsizetype offset = 0; offset < input.size(); offset += step) {
        QByteArrayView piece = QByteArrayView(input).sliced(offset, std::min(step, input.size() - offset));
        for (int guard = 0; !piece.isEmpty() && guard < 100000; ++guard) {
            QByteArrayView payload;
            const ParseResult result = decoder.decode(piece, payload);
            if (result.status == ParseStatus::Error) {
                out.status = result.status;
                out.error = result.error;
                return out;
            }
            out.payload += payload.toByteArray();
            piece = piece.sliced(result.consumed);
            position += result.consumed;
            if (result.status == ParseStatus::Complete) {
                out.status = ParseStatus::Complete;
                out.consumed = position;
                return out;
            }
        }
    }
    return out;
}

} // namespace

class tst_HttpChunked : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void validBody_data();
    void validBody();
    void invalidBody_data();
    void invalidBody();
    void stopsAtMessageEnd();
    void trailerSectionIsSeparable();
    void bodyLimit();
    void trailerLimit();
    void chunkLineLimit();
    void encoder();
    void roundTrip();
};

void tst_HttpChunked::validBody_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("payload");

    QTest::newRow("empty body") << QByteArray("0\r\n\r\n") << QByteArray();
    QTest::newRow("one chunk") << QByteArray("5\r\nhello\r\n0\r\n\r\n") << QByteArray("hello");
    QTest::newRow("two chunks, hex") << QByteArray("3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n")
                                     << QByteArray("abc0123456789");
    QTest::newRow("upper-case hex, leading zeros")
        << QByteArray("000B\r\nhello world\r\n000\r\n\r\n") << QByteArray("hello world");
    QTest::newRow("extensions") << QByteArray("5;name=value;flag\r\nhello\r\n0;last\r\n\r\n")
                                << QByteArray("hello");
    QTest::newRow("extension with BWS")
        << QByteArray("5 ; name = \"quoted; value\"\r\nhello\r\n0\r\n\r\n") << QByteArray("hello");
    QTest::newRow("trailers") << QByteArray("5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other:\r\n\r\n")
                              << QByteArray("hello");
    QTest::newRow("binary payload with CRLF inside")
        << QByteArray("7\r\n\r\n0\r\n\r\n\r\n0\r\n\r\n") << QByteArray("\r\n0\r\n\r\n");
    QTest::newRow("payload with NUL") << QByteArray("3\r\na\0b\r\n0\r\n\r\n", 13) << QByteArray("a\0b", 3);
}

void tst_HttpChunked::validBody()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, payload);
    for (const qsizetype step : {input.size(), qsizetype(1), qsizetype(2), qsizetype(7)}) {
        const Decoded decoded = decodeInSteps(input, step);
        QCOMPARE(decoded.status, ParseStatus::Complete);
        QCOMPARE(decoded.consumed, input.size());
        QCOMPARE(decoded.payload, payload);
    }
    // Incomplete until the very last byte.
    QCOMPARE(decodeInSteps(input.chopped(1), 1).status, ParseStatus::Incomplete);
}

void tst_HttpChunked::invalidBody_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<HttpError>("error");
    const auto bad = HttpError::BadChunk;

    QTest::newRow("no size") << QByteArray("\r\nhello\r\n0\r\n\r\n") << bad;
    QTest::newRow("non-hex size") << QByteArray("g\r\nhello\r\n0\r\n\r\n") << bad;
    QTest::newRow("negative size") << QByteArray("-5\r\nhello\r\n0\r\n\r\n") << bad;
    QTest::newRow("0x prefix") << QByteArray("0x5\r\nhello\r\n0\r\n\r\n") << bad;
    QTest::newRow("size overflow") << QByteArray("10000000000000000\r\nx\r\n0\r\n\r\n") << bad;
    QTest::newRow("size bare LF") << QByteArray("5\nhello\r\n0\r\n\r\n") << bad;
    QTest::newRow("size CR without LF") << QByteArray("5\rhello\r\n0\r\n\r\n") << bad;
    QTest::newRow("garbage after size") << QByteArray("5 x\r\nhello\r\n0\r\n\r\n") << bad;
    QTest::newRow("CTL in extension") << QByteArray("5;a\x01\r\nhello\r\n0\r\n\r\n") << bad;
    QTest::newRow("bare LF in extension") << QByteArray("5;a\nhello\r\n0\r\n\r\n") << bad;
    QTest::newRow("data too long") << QByteArray("5\r\nhello!\r\n0\r\n\r\n") << bad;
    QTest::newRow("data without CRLF") << QByteArray("5\r\nhello0\r\n\r\n") << bad;
    QTest::newRow("data bare LF") << QByteArray("5\r\nhello\n0\r\n\r\n") << bad;
    QTest::newRow("trailer without colon") << QByteArray("0\r\nX-Bad\r\n\r\n") << bad;
    QTest::newRow("trailer space before colon") << QByteArray("0\r\nX : 1\r\n\r\n") << bad;
    QTest::newRow("trailer obs-fold") << QByteArray("0\r\nX: 1\r\n 2\r\n\r\n") << bad;
    QTest::newRow("trailer CTL") << QByteArray("0\r\nX: \x01\r\n\r\n") << bad;
    QTest::newRow("trailer bare LF") << QByteArray("0\r\nX: 1\n\r\n") << bad;
    QTest::newRow("final bare LF") << QByteArray("0\r\n\n") << bad;
    QTest::newRow("final CR garbage") << QByteArray("0\r\n\rx") << bad;
}

void tst_HttpChunked::invalidBody()
{
    QFETCH(QByteArray, input);
    QFETCH(HttpError, error);
    for (const qsizetype step : {input.size(), qsizetype(1)}) {
        const Decoded decoded = decodeInSteps(input, step);
        QCOMPARE(decoded.status, ParseStatus::Error);
        QCOMPARE(decoded.error, error);
    }
}

void tst_HttpChunked::stopsAtMessageEnd()
{
    const QByteArray body("4\r\nWiki\r\n5\r\npedia\r\n0\r\nT: v\r\n\r\n");
    const QByteArray buffer = body + "GET / HTTP/1.1\r\n";
    ChunkedDecoder decoder;
    QByteArrayView in(buffer);
    QByteArray payload;
    qsizetype used = 0;
    for (int guard = 0; guard < 100; ++guard) {
        QByteArrayView piece;
        const ParseResult result = decoder.decode(in, piece);
        QVERIFY(result.status != ParseStatus::Error);
        payload += piece.toByteArray();
        in = in.sliced(result.consumed);
        used += result.consumed;
        if (result.status == ParseStatus::Complete)
            break;
    }
    QVERIFY(decoder.finished());
    QCOMPARE(used, body.size());
    QCOMPARE(payload, QByteArray("Wikipedia"));
    QCOMPARE(decoder.payloadBytes(), quint64(9));

    // Once finished it consumes nothing more; reset() starts a new message.
    QByteArrayView piece;
    QCOMPARE(decoder.decode(in, piece).consumed, 0);
    decoder.reset();
    QVERIFY(!decoder.finished());
    QCOMPARE(decoder.payloadBytes(), quint64(0));
}

void tst_HttpChunked::trailerSectionIsSeparable()
{
    // A relay that drops trailers writes what was consumed while !inTrailers() before the call.
    const QByteArray chunks("4\r\nWiki\r\n0;x=1\r\n");
    const QByteArray body = chunks + "Authorization: Basic eDp5\r\nT: v\r\n\r\n";
    for (const qsizetype step : {body.size(), qsizetype(1), qsizetype(7)}) {
        ChunkedDecoder decoder;
        QByteArray beforeTrailers;
        qsizetype used = 0;
        for (qsizetype offset = 0; offset < body.size() && !decoder.finished(); offset += step) {
            QByteArrayView piece = QByteArrayView(body).sliced(offset, std::min(step, body.size() - offset));
            for (int guard = 0; !piece.isEmpty() && guard < 1000; ++guard) {
                QByteArrayView payload;
                const bool trailers = decoder.inTrailers();
                const ParseResult result = decoder.decode(piece, payload);
                QVERIFY(result.status != ParseStatus::Error);
                if (!trailers)
                    beforeTrailers += piece.first(result.consumed).toByteArray();
                piece = piece.sliced(result.consumed);
                used += result.consumed;
                if (result.status == ParseStatus::Complete)
                    break;
            }
        }
        QVERIFY(decoder.finished());
        QCOMPARE(used, body.size());
        QCOMPARE(beforeTrailers, chunks);
    }
}

void tst_HttpChunked::bodyLimit()
{
    Limits limits;
    limits.maxBodyBytes = 8;
    QCOMPARE(decodeInSteps("4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n", 1, limits).status, ParseStatus::Complete);
    QCOMPARE(decodeInSteps("4\r\nabcd\r\n5\r\nefghi\r\n0\r\n\r\n", 1, limits).error, HttpError::BodyTooLarge);
    // Rejected at the chunk-size line, before any of the oversize data arrives.
    QCOMPARE(decodeInSteps("ffffffff\r\n", 1, limits).error, HttpError::BodyTooLarge);
}

void tst_HttpChunked::trailerLimit()
{
    Limits limits;
    limits.maxTrailerBytes = 64;
    const QByteArray small = "0\r\nX: " + QByteArray(40, 'a') + "\r\n\r\n";
    QCOMPARE(decodeInSteps(small, 1, limits).status, ParseStatus::Complete);
    const QByteArray big = "0\r\nX: " + QByteArray(100, 'a') + "\r\n\r\n";
    QCOMPARE(decodeInSteps(big, 1, limits).error, HttpError::BadChunk);
    QByteArray many("0\r\n");
    for (int i = 0; i < 20; ++i)
        many += "X: 1\r\n";
    many += "\r\n";
    QCOMPARE(decodeInSteps(many, 3, limits).error, HttpError::BadChunk);
}

void tst_HttpChunked::chunkLineLimit()
{
    Limits limits;
    limits.maxChunkLineBytes = 32;
    QCOMPARE(decodeInSteps("5;a=" + QByteArray(20, 'b') + "\r\nhello\r\n0\r\n\r\n", 1, limits).status,
             ParseStatus::Complete);
    QCOMPARE(decodeInSteps("5;a=" + QByteArray(40, 'b') + "\r\nhello\r\n0\r\n\r\n", 1, limits).error,
             HttpError::BadChunk);
    // Leading zeros are bounded by the same limit.
    QCOMPARE(decodeInSteps(QByteArray(40, '0') + "5\r\nhello\r\n0\r\n\r\n", 1, limits).error,
             HttpError::BadChunk);
}

void tst_HttpChunked::encoder()
{
    QByteArray out("prefix:");
    ChunkedEncoder::appendChunk("hello", out);
    ChunkedEncoder::appendChunk({}, out); // must not end the body early
    ChunkedEncoder::appendChunk(QByteArray(300, 'x'), out);
    ChunkedEncoder::appendChunkHeader(0x1a2b3c4d5e6fULL, out);
    ChunkedEncoder::appendChunkEnd(out);
    ChunkedEncoder::appendLastChunk(out);
    QCOMPARE(out,
             "prefix:5\r\nhello\r\n12c\r\n" + QByteArray(300, 'x') + "\r\n1a2b3c4d5e6f\r\n\r\n0\r\n\r\n");
}

void tst_HttpChunked::roundTrip()
{
    QByteArray payload;
    QByteArray encoded;
    for (int i = 0; i < 50; ++i) {
        const QByteArray piece(i * 37 % 301 + 1, char('a' + i % 26));
        payload += piece;
        ChunkedEncoder::appendChunk(piece, encoded);
    }
    ChunkedEncoder::appendLastChunk(encoded);
    for (const qsizetype step : {qsizetype(1), qsizetype(13), qsizetype(4096), encoded.size()}) {
        const Decoded decoded = decodeInSteps(encoded, step);
        QCOMPARE(decoded.status, ParseStatus::Complete);
        QVERIFY(decoded.payload == payload);
    }
}

QTEST_GUILESS_MAIN(tst_HttpChunked)
#include "tst_HttpChunked.moc"
