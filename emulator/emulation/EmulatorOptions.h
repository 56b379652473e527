#pragma once

#include "core/Expected.h"

#include <QString>
#include <QStringList>
#include <QUrl>

namespace aap::emulator {

// Command line of aad-auth-proxy-emulator.
struct EmulatorOptions {
    QString stateDirectory;      // CA, keys, client secret, challenge files and emulator.env
    qint64 tokenLifetime = 3600; // seconds, for every token service
    QString tenantId = QStringLiteral("72f988bf-0000-4000-8000-00000000e001");
    QString clientId = QStringLiteral("0c2b7bd5-0000-4000-8000-00000000c11e");
    QString audience = QStringLiteral("https://monitor.azure.com"); // what the sample upstream accepts
    QUrl front;                 // sample upstream forwards accepted requests here (http://)
    QStringList allowedClients; // sample upstream: 403 for other clients
    QString arcTokenDirectory;  // default <state>/arc-tokens

    // Parses arguments (argv without the program name); the error is the usage message.
    [[nodiscard]] static Expected<EmulatorOptions, QString> parse(const QStringList &arguments);
};

} // namespace aap::emulator
