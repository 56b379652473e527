#include "ipc/ControlMessage.h"

#include "ipc/FrameCodec.h"
#include "ipc/ProtocolVersion.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>

#include <cmath>

namespace aap::ipc {

using namespace Qt::StringLiterals;

namespace {

// JSON numbers are doubles: ids stay within the range a double holds exactly.
constexpr double kMaxId = 9007199254740991.0; // 2^53 - 1

Unexpected<ControlError> badMessage(const QString &why)
{
    return Unexpected(ControlError{errors::kBadMessage, why});
}

} // namespace

ControlMessage ControlMessage::request(qint64 id, const QString &type, QJsonObject payload)
{
    return ControlMessage{id, type, std::move(payload), std::nullopt};
}

ControlMessage ControlMessage::reply(const ControlMessage &request, QJsonObject payload)
{
    return ControlMessage{request.id, request.type, std::move(payload), std::nullopt};
}

ControlMessage ControlMessage::failure(const ControlMessage &request, const QString &code,
                                       const QString &message)
{
    return ControlMessage{request.id, request.type, {}, ControlError{code, message}};
}

ControlMessage ControlMessage::push(const QString &type, QJsonObject payload)
{
    return ControlMessage{0, type, std::move(payload), std::nullopt};
}

QByteArray ControlMessage::toJson() const
{
    QJsonObject object;
    object.insert(u"v"_s, ProtocolVersion::current().major);
    if (id != 0)
        object.insert(u"id"_s, id);
    object.insert(u"type"_s, type);
    if (error) {
        object.insert(u"error"_s, QJsonObject{{u"code"_s, error->code}, {u"message"_s, error->message}});
    } else {
        object.insert(u"payload"_s, payload);
    }
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

Expected<QByteArray, QString> ControlMessage::toFrame() const
{
    return FrameCodec::encode(toJson());
}

Expected<ControlMessage, ControlError> ControlMessage::fromJson(QByteArrayView json)
{
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(json.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return badMessage(
            u"not JSON: %1 at offset %2"_s.arg(parseError.errorString()).arg(parseError.offset));
    if (!document.isObject())
        return badMessage(u"a message is a JSON object"_s);
    const QJsonObject object = document.object();

    ControlMessage message;
    const QJsonValue type = object.value(u"type"_s);
    if (!type.isString() || type.toString().isEmpty())
        return badMessage(u"\"type\" must be a non-empty string"_s);
    message.type = type.toString();

    const QJsonValue id = object.value(u"id"_s);
    if (!id.isUndefined() && !id.isNull()) {
        const double number = id.toDouble(-1.0);
        if (!id.isDouble() || number < 0.0 || number > kMaxId || std::floor(number) != number)
            return badMessage(u"\"id\" must be a whole number from 1 to 2^53-1"_s);
        message.id = static_cast<qint64>(number);
    }

    const QJsonValue payload = object.value(u"payload"_s);
    if (!payload.isUndefined() && !payload.isNull()) {
        if (!payload.isObject())
            return badMessage(u"\"payload\" must be an object"_s);
        message.payload = payload.toObject();
    }

    const QJsonValue error = object.value(u"error"_s);
    if (!error.isUndefined() && !error.isNull()) {
        if (!error.isObject())
            return badMessage(u"\"error\" must be an object"_s);
        const QJsonObject errorObject = error.toObject();
        message.error =
            ControlError{errorObject.value(u"code"_s).toString(), errorObject.value(u"message"_s).toString()};
        if (message.error->code.isEmpty())
            return badMessage(u"\"error.code\" must be a non-empty string"_s);
    }
    return message;
}

} // namespace aap::ipc
