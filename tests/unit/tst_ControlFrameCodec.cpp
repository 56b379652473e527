#include "ipc/ControlMessage.h"
#include "ipc/FrameCodec.h"
#include "ipc/FrameReader.h"
#include "ipc/ProtocolVersion.h"

#include <QJsonObject>
#include <QTest>

using aap::ipc::ControlMessage;
using aap::ipc::FrameCodec;
using aap::ipc::FrameReader;
using aap::ipc::ProtocolVersion;
using Kind = FrameCodec::Decoded::Kind;
using namespace Qt::StringLiterals;

namespace {

QByteArray header(std::uint32_t length)
{
    QByteArray bytes(4, '\0');
    bytes[0] = static_cast<char>(length >> 24U);
    bytes[1] = static_cast<char>((length >> 16U) & 0xFFU);
    bytes[2] = static_cast<char>((length >> 8U) & 0xFFU);
    bytes[3] = static_cast<char>(length & 0xFFU);
    return bytes;
}

} // namespace

class tst_ControlFrameCodec : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void encodeWritesBigEndianLength()
    {
        const auto frame = FrameCodec::encode("{\"type\":\"x\"}");
        QVERIFY(frame);
        QCOMPARE(frame->left(4), header(12));
        QCOMPARE(frame->mid(4), QByteArray("{\"type\":\"x\"}"));
    }

    void decodeNeedsTheWholeFrame()
    {
        const QByteArray frame = *FrameCodec::encode("{\"a\":1}");
        for (qsizetype cut = 0; cut < frame.size(); ++cut) {
            const auto decoded = FrameCodec::decode(QByteArrayView(frame).first(cut));
            QCOMPARE(decoded.kind, Kind::Incomplete);
            QCOMPARE(decoded.consumed, 0);
        }
        const auto decoded = FrameCodec::decode(frame);
        QCOMPARE(decoded.kind, Kind::Frame);
        QCOMPARE(decoded.consumed, frame.size());
        QCOMPARE(decoded.payload.toByteArray(), QByteArray("{\"a\":1}"));
    }

    void decodeRefusesEmptyAndOversize()
    {
        QCOMPARE(FrameCodec::decode(header(0)).kind, Kind::Error);
        // The length alone decides: no need to wait for a megabyte to refuse it.
        const auto oversize = FrameCodec::decode(header(FrameCodec::kMaxPayloadSize + 1));
        QCOMPARE(oversize.kind, Kind::Error);
        QVERIFY(oversize.error.contains(u"exceeds"_s));
        QCOMPARE(FrameCodec::decode(header(0xFFFFFFFFU)).kind, Kind::Error);
        QCOMPARE(FrameCodec::decode(header(FrameCodec::kMaxPayloadSize)).kind, Kind::Incomplete);
        QVERIFY(!FrameCodec::encode(QByteArray(FrameCodec::kMaxPayloadSize + 1, 'x')));
        QVERIFY(FrameCodec::encode(QByteArray(FrameCodec::kMaxPayloadSize, 'x')));
        QVERIFY(!FrameCodec::encode(QByteArray()));
    }

    void readerSplitsJoinedFramesAndJoinsSplitOnes()
    {
        QByteArray stream;
        for (int i = 0; i < 5; ++i)
            stream += *FrameCodec::encode(QByteArray::number(i * 1000));
        // Fed one byte at a time, and all at once: the same five payloads.
        for (const qsizetype step : {qsizetype{1}, qsizetype{3}, stream.size()}) {
            FrameReader reader;
            QList<QByteArray> payloads;
            for (qsizetype at = 0; at < stream.size(); at += step) {
                reader.append(QByteArrayView(stream).sliced(at, std::min(step, stream.size() - at)));
                while (true) {
                    auto next = reader.next();
                    QVERIFY(next);
                    if (!next->has_value())
                        break;
                    payloads.append(**next);
                }
            }
            QCOMPARE(payloads, (QList<QByteArray>{"0", "1000", "2000", "3000", "4000"}));
            QCOMPARE(reader.buffered(), 0);
        }
    }

    void readerReportsOversize()
    {
        FrameReader reader;
        reader.append(header(FrameCodec::kMaxPayloadSize + 1));
        QVERIFY(!reader.next());
    }

    void messageRoundTrip()
    {
        const auto request = ControlMessage::request(42, u"status"_s, QJsonObject{{u"x"_s, 1}});
        const auto parsed = ControlMessage::fromJson(request.toJson());
        QVERIFY(parsed);
        QCOMPARE(parsed->id, 42);
        QCOMPARE(parsed->type, u"status"_s);
        QCOMPARE(parsed->payload.value(u"x"_s).toInt(), 1);
        QVERIFY(!parsed->error);

        const auto failure = ControlMessage::failure(request, u"failed"_s, u"it broke"_s);
        const auto parsedFailure = ControlMessage::fromJson(failure.toJson());
        QVERIFY(parsedFailure && parsedFailure->error);
        QCOMPARE(parsedFailure->error->code, u"failed"_s);
        QCOMPARE(parsedFailure->error->message, u"it broke"_s);

        const auto push = ControlMessage::fromJson(ControlMessage::push(u"status.push"_s, {}).toJson());
        QVERIFY(push && push->isPush());
        // Compact JSON: no spaces or newlines between tokens.
        QVERIFY(!request.toJson().contains('\n'));
        QVERIFY(!request.toJson().contains(": "));
    }

    void messageIgnoresUnknownFields()
    {
        const auto parsed = ControlMessage::fromJson(
            R"({"v":1,"id":3,"type":"status","future":[1,2],"payload":{"new":true}})");
        QVERIFY(parsed);
        QCOMPARE(parsed->id, 3);
    }

    void messageRejectsGarbage_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("not json") << QByteArray("\x01\x02garbage");
        QTest::newRow("array") << QByteArray("[1,2]");
        QTest::newRow("no type") << QByteArray(R"({"id":1})");
        QTest::newRow("empty type") << QByteArray(R"({"type":""})");
        QTest::newRow("type number") << QByteArray(R"({"type":5})");
        QTest::newRow("id string") << QByteArray(R"({"type":"x","id":"1"})");
        QTest::newRow("id negative") << QByteArray(R"({"type":"x","id":-1})");
        QTest::newRow("id fraction") << QByteArray(R"({"type":"x","id":1.5})");
        QTest::newRow("id huge") << QByteArray(R"({"type":"x","id":1e300})");
        QTest::newRow("payload array") << QByteArray(R"({"type":"x","payload":[]})");
        QTest::newRow("error string") << QByteArray(R"({"type":"x","error":"no"})");
    }

    void messageRejectsGarbage()
    {
        QFETCH(QByteArray, json);
        const auto parsed = ControlMessage::fromJson(json);
        QVERIFY(!parsed);
        QCOMPARE(parsed.error().code, u"bad_message"_s);
    }

    void versionParsing_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<int>("major");
        QTest::addColumn<int>("minor");
        QTest::newRow("1.0") << u"1.0"_s << true << 1 << 0;
        QTest::newRow("2.17") << u"2.17"_s << true << 2 << 17;
        QTest::newRow("no minor") << u"1"_s << false << 0 << 0;
        QTest::newRow("plus") << u"+1.0"_s << false << 0 << 0;
        QTest::newRow("space") << u"1. 0"_s << false << 0 << 0;
        QTest::newRow("three parts") << u"1.0.1"_s << false << 0 << 0;
        QTest::newRow("huge") << u"99999999.0"_s << false << 0 << 0;
        QTest::newRow("empty") << QString() << false << 0 << 0;
    }

    void versionParsing()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(int, major);
        QFETCH(int, minor);
        const auto version = ProtocolVersion::parse(text);
        QCOMPARE(version.has_value(), valid);
        if (valid) {
            QCOMPARE(version->major, major);
            QCOMPARE(version->minor, minor);
            QCOMPARE(version->toString(), text);
        }
    }
};

QTEST_GUILESS_MAIN(tst_ControlFrameCodec)
#include "tst_ControlFrameCodec.moc"
