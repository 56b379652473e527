#include "emulation/EmulatorOptions.h"

#include <QCommandLineParser>

namespace aap::emulator {

Expected<EmulatorOptions, QString> EmulatorOptions::parse(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Development tool: plays Azure IMDS, Azure Arc HIMDS and Entra ID on 127.0.0.1 and serves a "
        "token-checking sample upstream. Never use it in production."));
    const QCommandLineOption state(QStringLiteral("state-dir"), QStringLiteral("State directory (required)."),
                                   QStringLiteral("dir"));
    const QCommandLineOption lifetime(QStringLiteral("token-lifetime"),
                                      QStringLiteral("Token lifetime in seconds (default 3600)."),
                                      QStringLiteral("seconds"), QStringLiteral("3600"));
    const QCommandLineOption tenant(QStringLiteral("tenant"), QStringLiteral("Tenant id."),
                                    QStringLiteral("id"));
    const QCommandLineOption client(QStringLiteral("client-id"), QStringLiteral("Application client id."),
                                    QStringLiteral("id"));
    const QCommandLineOption audience(QStringLiteral("audience"),
                                      QStringLiteral("Audience the sample upstream accepts."),
                                      QStringLiteral("url"));
    const QCommandLineOption front(QStringLiteral("front"),
                                   QStringLiteral("Forward accepted requests to this http:// URL."),
                                   QStringLiteral("url"));
    const QCommandLineOption allow(QStringLiteral("allow-client"),
                                   QStringLiteral("Only this client id may use the upstream (repeatable)."),
                                   QStringLiteral("id"));
    const QCommandLineOption arcDir(QStringLiteral("arc-token-dir"),
                                    QStringLiteral("Directory for Arc challenge key files."),
                                    QStringLiteral("dir"));
    parser.addOptions({state, lifetime, tenant, client, audience, front, allow, arcDir});
    parser.addHelpOption();
    if (!parser.parse(QStringList{QStringLiteral("aad-auth-proxy-emulator")} + arguments))
        return Unexpected(parser.errorText() + QLatin1Char('\n') + parser.helpText());
    if (parser.isSet(QStringLiteral("help")) || !parser.isSet(state))
        return Unexpected(parser.helpText());

    EmulatorOptions options;
    options.stateDirectory = parser.value(state);
    bool ok = false;
    options.tokenLifetime = parser.value(lifetime).toLongLong(&ok);
    if (!ok || options.tokenLifetime < 1 || options.tokenLifetime > 86400)
        return Unexpected(QStringLiteral("--token-lifetime must be 1..86400 seconds"));
    if (parser.isSet(tenant))
        options.tenantId = parser.value(tenant);
    if (parser.isSet(client))
        options.clientId = parser.value(client);
    if (parser.isSet(audience))
        options.audience = parser.value(audience);
    if (parser.isSet(front)) {
        options.front = QUrl(parser.value(front), QUrl::StrictMode);
        if (!options.front.isValid() || options.front.scheme() != QStringLiteral("http"))
            return Unexpected(QStringLiteral("--front must be an http:// URL"));
    }
    options.allowedClients = parser.values(allow);
    options.arcTokenDirectory = parser.value(arcDir);
    return options;
}

} // namespace aap::emulator
