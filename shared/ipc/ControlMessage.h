#pragma once

#include "core/Expected.h"
#include "ipc/ControlError.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace aap::ipc {

// One control protocol message (the JSON inside a frame):
//   request  {"v":1,"id":7,"type":"status","payload":{...}}
//   answer   {"v":1,"id":7,"type":"status","payload":{...}}
//   error    {"v":1,"id":7,"type":"status","error":{"code":"...","message":"..."}}
//   push     {"v":1,"type":"status.push","payload":{...}}            (no id)
// Unknown fields are ignored on reading.
struct ControlMessage {
    qint64 id = 0; // 0 = none (a push)
    QString type;
    QJsonObject payload;
    std::optional<ControlError> error;

    [[nodiscard]] static ControlMessage request(qint64 id, const QString &type, QJsonObject payload = {});
    [[nodiscard]] static ControlMessage reply(const ControlMessage &request, QJsonObject payload = {});
    [[nodiscard]] static ControlMessage failure(const ControlMessage &request, const QString &code,
                                                const QString &message);
    [[nodiscard]] static ControlMessage push(const QString &type, QJsonObject payload);

    [[nodiscard]] bool isPush() const { return id == 0; }

    // Compact UTF-8 JSON (the frame payload, without the length prefix).
    [[nodiscard]] QByteArray toJson() const;
    // The whole frame; fails only when the message is larger than the frame maximum.
    [[nodiscard]] Expected<QByteArray, QString> toFrame() const;
    // Parses a frame payload. An error has code bad_message and says what is wrong.
    [[nodiscard]] static Expected<ControlMessage, ControlError> fromJson(QByteArrayView json);
};

} // namespace aap::ipc
