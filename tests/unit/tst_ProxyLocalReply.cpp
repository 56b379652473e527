#include "proxy/LocalReply.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

class tst_ProxyLocalReply : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void errorReplyIsJsonWithLength()
    {
        QByteArray out;
        aap::proxy::LocalReply::appendError(out, 502, "upstream_reset", "closed \"early\"\n\\ \x01",
                                            aap::proxy::LocalReply::Connection::Close);
        const auto split = out.indexOf("\r\n\r\n");
        QVERIFY(split > 0);
        const QByteArray head = out.left(split);
        const QByteArray body = out.mid(split + 4);
        QVERIFY(head.startsWith("HTTP/1.1 502 Bad Gateway\r\n"));
        QVERIFY(head.contains("\r\nContent-Type: application/json"));
        QVERIFY(head.contains(QByteArray("\r\nContent-Length: " + QByteArray::number(body.size()))));
        QVERIFY(head.contains("\r\nConnection: close"));
        QJsonParseError error{};
        const auto document = QJsonDocument::fromJson(body, &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        const auto object = document.object().value(QStringLiteral("error")).toObject();
        QCOMPARE(object.value(QStringLiteral("code")).toString(), QStringLiteral("upstream_reset"));
        QCOMPARE(object.value(QStringLiteral("message")).toString(),
                 QStringLiteral("closed \"early\"\n\\ \x01"));
    }

    void keepAliveReplyHasNoConnectionField()
    {
        QByteArray out;
        aap::proxy::LocalReply::appendJson(out, 200, R"({"status":"ok"})",
                                           aap::proxy::LocalReply::Connection::Persistent);
        QVERIFY(out.startsWith("HTTP/1.1 200 OK\r\n"));
        QVERIFY(!out.contains("Connection:"));
        QVERIFY(out.endsWith("\r\n\r\n{\"status\":\"ok\"}"));
    }

    void http10KeepAliveIsAnnounced()
    {
        QByteArray out;
        aap::proxy::LocalReply::appendJson(out, 200, R"({"status":"ok"})",
                                           aap::proxy::LocalReply::Connection::PersistentAnnounce);
        QVERIFY(out.contains("\r\nConnection: keep-alive\r\n\r\n"));
    }

    void extraFieldsAreInTheHead()
    {
        QByteArray out;
        aap::proxy::LocalReply::appendError(out, 405, "method_not_allowed", "no",
                                            aap::proxy::LocalReply::Connection::Close, "Allow: GET\r\n");
        QVERIFY(out.startsWith("HTTP/1.1 405 Method Not Allowed\r\n"));
        const QByteArray head = out.left(out.indexOf("\r\n\r\n") + 2);
        QVERIFY(head.contains("\r\nAllow: GET\r\n"));
        QVERIFY(head.endsWith("\r\nConnection: close\r\n"));
    }

    void reasonPhrases_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("reason");
        QTest::newRow("421") << 421 << QByteArray("Misdirected Request");
        QTest::newRow("431") << 431 << QByteArray("Request Header Fields Too Large");
        QTest::newRow("504") << 504 << QByteArray("Gateway Timeout");
        QTest::newRow("unknown") << 599 << QByteArray("Error");
    }
    void reasonPhrases()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, reason);
        QCOMPARE(aap::proxy::LocalReply::reasonPhrase(status).toByteArray(), reason);
    }
};

QTEST_GUILESS_MAIN(tst_ProxyLocalReply)
#include "tst_ProxyLocalReply.moc"
