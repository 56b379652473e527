#pragma once

#include "core/Expected.h"
#include "ipc/ControlError.h"

#include <QJsonObject>
#include <QString>

#include <functional>

namespace aap::control {

// What the control server asks of the service: the answers to every request except hello and
// (un)subscribe, which the server handles itself. Lives on the server's thread.
class ControlHandler {
public:
    using Result = Expected<QJsonObject, ipc::ControlError>;
    // Runs once; may run later (a diagnosis), possibly after the asking client has gone.
    using Reply = std::function<void(Result)>;

    ControlHandler() = default;
    ControlHandler(const ControlHandler &) = delete;
    ControlHandler &operator=(const ControlHandler &) = delete;
    virtual ~ControlHandler() = default;

    // `mayWrite`: the peer may change things (config.apply, refresh). Unknown types answer unknown_type.
    virtual void handle(const QString &type, const QJsonObject &payload, bool mayWrite, Reply reply) = 0;
    // The status payload for pushes.
    [[nodiscard]] virtual QJsonObject status() = 0;
    // Something worth a push happened since the last call (a token event, a counter moved).
    [[nodiscard]] virtual bool takeChanged() = 0;
};

} // namespace aap::control
