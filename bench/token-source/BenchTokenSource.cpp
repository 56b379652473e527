#include "BenchTokenSource.h"

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace aap::bench {

using namespace Qt::StringLiterals;

BenchTokenSource::BenchTokenSource(QString tokenFile, QObject *parent)
    : FakeTokenServer(parent), m_tokenFile(std::move(tokenFile))
{}

test::FakeTokenServer::Reply BenchTokenSource::handle(const test::RecordedRequest &request)
{
    if (request.header("Metadata") != "true")
        return error(400, u"bad_request_102"_s, u"Required metadata header not specified"_s);
    QFile file(m_tokenFile);
    if (!file.open(QIODevice::ReadOnly))
        return error(500, u"unknown"_s, u"token file not written yet"_s);
    const QString token = QString::fromLatin1(file.readAll().trimmed());
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const QJsonObject body{{u"access_token"_s, token},
                           {u"expires_in"_s, u"86399"_s},
                           {u"expires_on"_s, QString::number(now + 86399)},
                           {u"not_before"_s, QString::number(now)},
                           {u"resource"_s, request.queryValue(u"resource"_s)},
                           {u"token_type"_s, u"Bearer"_s}};
    return Reply{
        200, {}, QJsonDocument(body).toJson(QJsonDocument::Compact), "application/json; charset=utf-8"};
}

} // namespace aap::bench
