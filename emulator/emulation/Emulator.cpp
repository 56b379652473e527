#include "emulation/Emulator.h"

#include "emulation/EmulatorControl.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>

#include <gsl/narrow>

namespace aap::emulator {

namespace {

// Client ids of the emulated VM's managed identities (system- and user-assigned).
const QString kSystemIdentityClientId = QStringLiteral("5e1d0c6a-0000-4000-8000-0000000000a1");
const QString kUserIdentityClientId = QStringLiteral("5e1d0c6a-0000-4000-8000-0000000000a2");

Expected<void, QString> writePrivateFile(const QString &path, const QByteArray &contents)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) ||
        file.write(contents) != contents.size() || !file.commit())
        return Unexpected(QStringLiteral("cannot write ") + path);
    return {};
}

Expected<void, QString> makePrivateDirectory(const QString &path)
{
    if (!QDir().mkpath(path) ||
        !QFile::setPermissions(path,
                               QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner))
        return Unexpected(QStringLiteral("cannot create ") + path);
    return {};
}

} // namespace

Emulator::Emulator(EmulatorOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_signer(m_options.tenantId)
{}

Emulator::~Emulator() = default;

Expected<void, QString> Emulator::start()
{
    if (!m_signer.isValid())
        return Unexpected(QStringLiteral("cannot generate the token signing key"));
    if (auto made = makePrivateDirectory(m_options.stateDirectory); !made)
        return made;
    const QDir state(m_options.stateDirectory);
    const QString arcDirectory = m_options.arcTokenDirectory.isEmpty()
                                     ? state.filePath(QStringLiteral("arc-tokens"))
                                     : m_options.arcTokenDirectory;
    if (auto made = makePrivateDirectory(arcDirectory); !made)
        return made;

    m_pki = std::make_unique<test::TestPki>();
    if (!m_pki->isValid())
        return Unexpected(QStringLiteral("cannot create the CA"));

    m_imds = std::make_unique<test::FakeImds>();
    m_imds->setSystemClientId(kSystemIdentityClientId);
    m_imds->addUserAssigned(
        {kUserIdentityClientId, test::AccessTokenSigner::objectIdFor(kUserIdentityClientId),
         QStringLiteral("/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/"
                        "emulator/providers/Microsoft.ManagedIdentity/"
                        "userAssignedIdentities/emulator-identity")});
    m_imds->setExpiresIn(m_options.tokenLifetime);

    m_arc = std::make_unique<test::FakeArc>();
    m_arc->setTokenDirectory(arcDirectory);
    m_arc->setExpiresIn(m_options.tokenLifetime);

    m_entra = std::make_unique<test::FakeEntra>(m_pki->serverConfiguration());
    if (!m_entra->start())
        return Unexpected(QStringLiteral("cannot listen for Entra ID"));
    m_entra->setExpiresIn(gsl::narrow<int>(m_options.tokenLifetime));
    m_entra->setTokenSigner(&m_signer);
    const QByteArray secret = test::FakeTokenServer::randomString(32);
    m_entra->addSecretClient(m_options.tenantId, m_options.clientId, secret);
    const test::TestPki::Identity certificate =
        m_pki->issueClient(QStringLiteral("CN=aad-auth-proxy-emulator-app"));
    m_entra->addCertificateClient(m_options.tenantId, m_options.clientId, certificate.certificateDer());

    for (test::FakeTokenServer *server :
         std::initializer_list<test::FakeTokenServer *>{m_imds.get(), m_arc.get()}) {
        server->setTokenSigner(&m_signer);
        server->setRecordLimit(100);
    }

    m_upstream = std::make_unique<SampleUpstream>(m_signer, m_options.audience);
    m_upstream->setFront(m_options.front);
    m_upstream->setAllowedClients(m_options.allowedClients);
    m_control = std::make_unique<EmulatorControl>(this);

    for (const QTcpServer *server : std::initializer_list<const QTcpServer *>{
             m_imds.get(), m_arc.get(), m_entra.get(), m_upstream.get(), m_control.get()}) {
        if (!server->isListening())
            return Unexpected(QStringLiteral("cannot listen on 127.0.0.1"));
    }

    if (auto written = writePrivateFile(state.filePath(QStringLiteral("client-secret")), secret); !written)
        return written;
    if (!certificate.writePem(state.filePath(QStringLiteral("client.pem"))))
        return Unexpected(QStringLiteral("cannot write client.pem"));
    if (!QFile::remove(state.filePath(QStringLiteral("ca.pem"))) &&
        QFile::exists(state.filePath(QStringLiteral("ca.pem"))))
        return Unexpected(QStringLiteral("cannot replace ca.pem"));
    if (!QFile::copy(m_pki->caCertificatePath(), state.filePath(QStringLiteral("ca.pem"))))
        return Unexpected(QStringLiteral("cannot write ca.pem"));
    return writeState();
}

Expected<void, QString> Emulator::writeState()
{
    const QDir state(m_options.stateDirectory);
    const auto url = [](const QTcpServer &server) {
        return QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort());
    };
    const QList<QPair<QString, QString>> entries{
        {QStringLiteral("AAP_EMULATOR_IMDS"), url(*m_imds)},
        {QStringLiteral("AAP_EMULATOR_ARC_IDENTITY_ENDPOINT"), m_arc->identityEndpoint().toString()},
        {QStringLiteral("AAP_EMULATOR_ARC_IMDS_ENDPOINT"), url(*m_arc)},
        {QStringLiteral("AAP_EMULATOR_ARC_TOKEN_DIR"), m_arc->tokenDirectory()},
        {QStringLiteral("AAP_EMULATOR_AUTHORITY"), m_entra->authorityHost().toString()},
        {QStringLiteral("AAP_EMULATOR_CA"), state.absoluteFilePath(QStringLiteral("ca.pem"))},
        {QStringLiteral("AAP_EMULATOR_TENANT_ID"), m_options.tenantId},
        {QStringLiteral("AAP_EMULATOR_CLIENT_ID"), m_options.clientId},
        {QStringLiteral("AAP_EMULATOR_CLIENT_SECRET_FILE"),
         state.absoluteFilePath(QStringLiteral("client-secret"))},
        {QStringLiteral("AAP_EMULATOR_CLIENT_CERTIFICATE"),
         state.absoluteFilePath(QStringLiteral("client.pem"))},
        {QStringLiteral("AAP_EMULATOR_SYSTEM_IDENTITY_CLIENT_ID"), kSystemIdentityClientId},
        {QStringLiteral("AAP_EMULATOR_USER_IDENTITY_CLIENT_ID"), kUserIdentityClientId},
        {QStringLiteral("AAP_EMULATOR_AUDIENCE"), m_options.audience},
        {QStringLiteral("AAP_EMULATOR_UPSTREAM"), url(*m_upstream)},
        {QStringLiteral("AAP_EMULATOR_CONTROL"), url(*m_control)},
    };
    QByteArray contents = "# Written by aad-auth-proxy-emulator (a development tool); shell syntax.\n";
    for (const auto &[name, value] : entries)
        contents += name.toUtf8() + "='" + value.toUtf8() + "'\n";
    return writePrivateFile(state.filePath(QStringLiteral("emulator.env")), contents);
}

Expected<void, QString> Emulator::injectFault(const QString &service, const QString &kind, int count,
                                              int retryAfter)
{
    const QStringList services{QStringLiteral("imds"), QStringLiteral("arc"), QStringLiteral("entra"),
                               QStringLiteral("all")};
    if (!services.contains(service))
        return Unexpected(QStringLiteral("service must be imds, arc, entra or all"));
    if (kind == QStringLiteral("expired")) {
        m_signer.injectExpired(count);
        return {};
    }
    using Fault = test::FakeTokenServer::Fault;
    Fault managed;
    test::FakeEntra::Fault entra = test::FakeEntra::Fault::None;
    if (kind == QStringLiteral("500")) {
        managed =
            Fault::withStatus(500, test::FakeTokenServer::errorJson(QStringLiteral("unknown"),
                                                                    QStringLiteral("injected server error")));
        entra = test::FakeEntra::Fault::ServerError;
    } else if (kind == QStringLiteral("429")) {
        managed = Fault::withStatus(429,
                                    test::FakeTokenServer::errorJson(QStringLiteral("too_many_requests"),
                                                                     QStringLiteral("injected throttling")),
                                    {{"Retry-After", QByteArray::number(retryAfter)}});
        entra = test::FakeEntra::Fault::Throttle;
    } else if (kind == QStringLiteral("hang")) {
        managed = Fault::of(Fault::Kind::Hang);
        entra = test::FakeEntra::Fault::Hang;
    } else {
        return Unexpected(QStringLiteral("kind must be 500, 429, hang or expired"));
    }
    const bool all = service == QStringLiteral("all");
    if (all || service == QStringLiteral("imds"))
        m_imds->injectFault(managed, count);
    if (all || service == QStringLiteral("arc"))
        m_arc->injectFault(managed, count);
    if (all || service == QStringLiteral("entra")) {
        m_entra->setRetryAfter(retryAfter);
        m_entra->setFault(entra, count);
    }
    return {};
}

QJsonObject Emulator::status() const
{
    return QJsonObject{{QStringLiteral("tokens_signed"), m_signer.tokensSigned()},
                       {QStringLiteral("imds_requests"), m_imds->requestCount()},
                       {QStringLiteral("arc_challenges"), m_arc->challengeCount()},
                       {QStringLiteral("arc_authorized"), m_arc->authorizedCount()},
                       {QStringLiteral("entra_requests"), m_entra->requestCount()},
                       {QStringLiteral("entra_tokens"), m_entra->tokensIssued()},
                       {QStringLiteral("upstream_accepted"), m_upstream->acceptedCount()},
                       {QStringLiteral("upstream_401"), m_upstream->unauthorizedCount()},
                       {QStringLiteral("upstream_403"), m_upstream->forbiddenCount()}};
}

} // namespace aap::emulator
