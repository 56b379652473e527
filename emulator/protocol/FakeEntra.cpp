#include "protocol/FakeEntra.h"

#include "protocol/JwtVerifier.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSslSocket>
#include <QStringDecoder>
#include <QUuid>

namespace aap::test {

namespace {

constexpr qsizetype maxHeadBytes = qsizetype{64} * 1024;
constexpr qsizetype maxBodyBytes = qsizetype{1024} * 1024;
const QString assertionType = QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return QByteArrayLiteral("OK");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 411:
        return QByteArrayLiteral("Length Required");
    case 413:
        return QByteArrayLiteral("Payload Too Large");
    case 415:
        return QByteArrayLiteral("Unsupported Media Type");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    default:
        return QByteArrayLiteral("Internal Server Error");
    }
}

// One application/x-www-form-urlencoded component: '+' is a space, every '%' starts two hex
// digits, and the result is valid UTF-8.
std::optional<QString> decodeComponent(QByteArray component)
{
    component.replace('+', ' ');
    for (qsizetype i = 0; i < component.size(); ++i) {
        if (component.at(i) != '%')
            continue;
        if (i + 2 >= component.size() || !std::isxdigit(static_cast<unsigned char>(component.at(i + 1))) ||
            !std::isxdigit(static_cast<unsigned char>(component.at(i + 2))))
            return std::nullopt;
    }
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder(QByteArray::fromPercentEncoding(component));
    if (decoder.hasError())
        return std::nullopt;
    return text;
}

// Strict form parsing: no empty pairs, no pair without '=', no repeated field.
std::optional<QHash<QString, QString>> parseForm(const QByteArray &body)
{
    if (body.isEmpty())
        return std::nullopt;
    QHash<QString, QString> fields;
    for (const QByteArray &pair : body.split('&')) {
        const auto equals = pair.indexOf('=');
        if (equals <= 0)
            return std::nullopt;
        const auto name = decodeComponent(pair.left(equals));
        const auto value = decodeComponent(pair.mid(equals + 1));
        if (!name || !value || fields.contains(*name))
            return std::nullopt;
        fields.insert(*name, *value);
    }
    return fields;
}

QByteArray base64UrlDecode(const QByteArray &text, bool *ok)
{
    const auto result =
        QByteArray::fromBase64Encoding(text, QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals |
                                                 QByteArray::AbortOnBase64DecodingErrors);
    *ok = static_cast<bool>(result);
    return result.decoded;
}

} // namespace

FakeEntra::FakeEntra(const QSslConfiguration &tls, QObject *parent) : QTcpServer(parent), m_tls(tls) {}

FakeEntra::~FakeEntra()
{
    // Sockets are deleted here, while the members their handlers use still exist.
    const auto sockets = m_connections.keys();
    m_connections.clear();
    for (QSslSocket *socket : sockets) {
        socket->disconnect(this);
        delete socket;
    }
}

bool FakeEntra::start()
{
    return listen(QHostAddress(QHostAddress::LocalHost), 0);
}

QUrl FakeEntra::authorityHost(const QString &hostName) const
{
    QUrl url;
    url.setScheme(QStringLiteral("https"));
    url.setHost(hostName);
    url.setPort(serverPort());
    return url;
}

QString FakeEntra::tokenUrl(const QString &tenant, const QString &hostName) const
{
    return authorityHost(hostName).toString() + u'/' + tenant + QStringLiteral("/oauth2/v2.0/token");
}

void FakeEntra::addSecretClient(const QString &tenant, const QString &clientId, const QByteArray &secret)
{
    m_clients[tenant + u'/' + clientId].secret = secret;
}

void FakeEntra::addCertificateClient(const QString &tenant, const QString &clientId,
                                     const QByteArray &certificateDer)
{
    m_clients[tenant + u'/' + clientId].certificatesDer.append(certificateDer);
}

void FakeEntra::addFederatedClient(const QString &tenant, const QString &clientId,
                                   const QByteArray &federatedToken)
{
    m_clients[tenant + u'/' + clientId].federatedToken = federatedToken;
}

void FakeEntra::setFault(Fault fault, int count)
{
    m_fault = fault;
    m_faultCount = count;
}

void FakeEntra::incomingConnection(qintptr descriptor)
{
    auto *socket = new QSslSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    socket->setSslConfiguration(m_tls);
    m_connections.insert(socket, Connection{});
    connect(socket, &QSslSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
    connect(socket, &QSslSocket::disconnected, this, [this, socket] { forget(socket); });
    connect(socket, &QSslSocket::sslErrors, this, [this, socket] { forget(socket); });
    socket->startServerEncryption();
}

void FakeEntra::forget(QSslSocket *socket)
{
    if (m_connections.remove(socket) > 0)
        socket->deleteLater();
}

void FakeEntra::onReadyRead(QSslSocket *socket)
{
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    it->buffer += socket->readAll();
    // Keep-alive: several requests may arrive on one connection, one after the other.
    while (!it->hanging) {
        const auto headEnd = it->buffer.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            if (it->buffer.size() > maxHeadBytes)
                socket->abort();
            return;
        }
        const QList<QByteArray> lines = it->buffer.left(headEnd).split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        QHash<QByteArray, QByteArray> headers;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const auto colon = lines.at(i).indexOf(':');
            if (colon > 0)
                headers.insert(lines.at(i).left(colon).trimmed().toLower(),
                               lines.at(i).mid(colon + 1).trimmed());
        }
        bool lengthOk = true;
        const qsizetype length =
            headers.value(QByteArrayLiteral("content-length"), QByteArrayLiteral("0")).toLongLong(&lengthOk);
        if (requestLine.size() != 3 || !lengthOk || length < 0 || length > maxBodyBytes) {
            socket->abort();
            return;
        }
        const qsizetype total = headEnd + 4 + length;
        if (it->buffer.size() < total)
            return;
        const QByteArray body = it->buffer.mid(headEnd + 4, length);
        it->buffer.remove(0, total);
        const Answer answer = handle(requestLine.at(0), requestLine.at(1), headers, body);
        if (answer.hang) {
            it->hanging = true;
            return;
        }
        send(socket, answer);
        it = m_connections.find(socket);
        if (it == m_connections.end())
            return;
    }
}

void FakeEntra::send(QSslSocket *socket, const Answer &answer)
{
    QByteArray head = QByteArrayLiteral("HTTP/1.1 ") + QByteArray::number(answer.status) + ' ' +
                      reasonPhrase(answer.status) + QByteArrayLiteral("\r\nContent-Type: ") +
                      answer.contentType + QByteArrayLiteral("\r\nContent-Length: ") +
                      QByteArray::number(answer.body.size()) +
                      QByteArrayLiteral("\r\nCache-Control: no-store, no-cache\r\n");
    for (const auto &[name, value] : answer.headers)
        head += name + QByteArrayLiteral(": ") + value + QByteArrayLiteral("\r\n");
    socket->write(head + QByteArrayLiteral("\r\n") + answer.body);
}

FakeEntra::Answer FakeEntra::handle(const QByteArray &method, const QByteArray &path,
                                    const QHash<QByteArray, QByteArray> &headers, const QByteArray &body)
{
    ++m_requestCount;
    m_lastPath = path;
    m_lastContentType = headers.value(QByteArrayLiteral("content-type"));
    m_lastAssertionHeader = {};
    m_lastRejection.clear();

    if (m_fault != Fault::None && m_faultCount != 0) {
        const Fault fault = m_fault;
        if (m_faultCount > 0 && --m_faultCount == 0)
            m_fault = Fault::None;
        return faultAnswer(fault);
    }

    // /{tenant}/oauth2/v2.0/token
    const QList<QByteArray> segments = path.split('/');
    if (segments.size() != 5 || !segments.at(0).isEmpty() || segments.at(1).isEmpty() ||
        segments.at(2) != "oauth2" || segments.at(3) != "v2.0" || segments.at(4) != "token")
        return reject(404, QStringLiteral("invalid_request"), 90002,
                      QStringLiteral("No such endpoint: %1").arg(QString::fromUtf8(path)));
    const QString tenant = QString::fromUtf8(segments.at(1));
    if (method != "POST")
        return reject(405, QStringLiteral("invalid_request"), 900561,
                      QStringLiteral("The endpoint only accepts POST requests. Received a %1 request.")
                          .arg(QString::fromLatin1(method)));
    if (m_lastContentType != "application/x-www-form-urlencoded")
        return reject(400, QStringLiteral("invalid_request"), 900144,
                      QStringLiteral("The request body must be application/x-www-form-urlencoded, got '%1'.")
                          .arg(QString::fromLatin1(m_lastContentType)));
    const auto form = parseForm(body);
    if (!form)
        return reject(400, QStringLiteral("invalid_request"), 90014, QStringLiteral("Malformed form body."));
    m_lastForm = *form;

    static const QSet<QString> known{QStringLiteral("grant_type"),
                                     QStringLiteral("client_id"),
                                     QStringLiteral("scope"),
                                     QStringLiteral("client_secret"),
                                     QStringLiteral("client_assertion_type"),
                                     QStringLiteral("client_assertion")};
    for (auto field = form->cbegin(); field != form->cend(); ++field) {
        if (!known.contains(field.key()))
            return reject(400, QStringLiteral("invalid_request"), 90014,
                          QStringLiteral("Unexpected parameter '%1'.").arg(field.key()));
    }
    for (const QString &required :
         {QStringLiteral("grant_type"), QStringLiteral("client_id"), QStringLiteral("scope")}) {
        if (form->value(required).isEmpty())
            return reject(
                400, QStringLiteral("invalid_request"), 900144,
                QStringLiteral("The request body must contain the following parameter: '%1'.").arg(required));
    }
    if (form->value(QStringLiteral("grant_type")) != QLatin1String("client_credentials"))
        return reject(400, QStringLiteral("unsupported_grant_type"), 70003,
                      QStringLiteral("The app requested an unsupported grant type '%1'.")
                          .arg(form->value(QStringLiteral("grant_type"))));
    const QString scope = form->value(QStringLiteral("scope"));
    static const QString defaultSuffix = QStringLiteral("/.default");
    const QString scopeResource = scope.chopped(qMin(scope.size(), defaultSuffix.size()));
    if (!scope.endsWith(defaultSuffix) || scopeResource.isEmpty() || scopeResource.endsWith(defaultSuffix) ||
        scopeResource.endsWith(u'/') || scope.contains(u' '))
        return reject(
            400, QStringLiteral("invalid_scope"), 1002012,
            QStringLiteral("The provided value for scope %1 is not valid. Client credential flows must "
                           "have a scope value with /.default suffixed to the resource identifier.")
                .arg(scope));

    const QString clientId = form->value(QStringLiteral("client_id"));
    const auto client = m_clients.constFind(tenant + u'/' + clientId);
    if (client == m_clients.cend())
        return reject(400, QStringLiteral("unauthorized_client"), 700016,
                      QStringLiteral("Application with identifier '%1' was not found in the directory '%2'.")
                          .arg(clientId, tenant));

    const bool hasSecret = form->contains(QStringLiteral("client_secret"));
    const bool hasAssertion = form->contains(QStringLiteral("client_assertion")) ||
                              form->contains(QStringLiteral("client_assertion_type"));
    if (hasSecret == hasAssertion)
        return reject(401, QStringLiteral("invalid_client"), 7000218,
                      QStringLiteral("The request body must contain exactly one of 'client_assertion' or "
                                     "'client_secret'."));
    if (hasSecret) {
        if (client->secret.isEmpty() ||
            form->value(QStringLiteral("client_secret")).toUtf8() != client->secret)
            return reject(
                401, QStringLiteral("invalid_client"), 7000215,
                QStringLiteral("Invalid client secret provided. Ensure the secret being sent in the request "
                               "is the client secret value, not the client secret ID, for a secret added to "
                               "app '%1'.")
                    .arg(clientId));
        return issue({scopeResource, clientId, {}, {}});
    }
    if (form->value(QStringLiteral("client_assertion_type")) != assertionType)
        return reject(400, QStringLiteral("invalid_request"), 70002,
                      QStringLiteral("client_assertion_type must be '%1'.").arg(assertionType));
    const QString assertion = form->value(QStringLiteral("client_assertion"));
    if (!client->federatedToken.isEmpty()) {
        if (assertion.toUtf8() != client->federatedToken)
            return reject(
                401, QStringLiteral("invalid_client"), 700213,
                QStringLiteral("No matching federated identity record found for presented assertion."));
        return issue({scopeResource, clientId, {}, {}});
    }
    if (auto rejected = checkAssertion(tenant, clientId, *client, assertion))
        return *rejected;
    return issue({scopeResource, clientId, {}, {}});
}

FakeEntra::Answer FakeEntra::faultAnswer(Fault fault) const
{
    Answer answer;
    switch (fault) {
    case Fault::None:
        break;
    case Fault::ServerError:
        answer.status = 500;
        answer.body =
            QByteArrayLiteral("{\"error\":\"temporarily_unavailable\",\"error_description\":\"AADSTS50033: "
                              "A transient error has occurred. Please try again.\",\"error_codes\":[50033]}");
        break;
    case Fault::Throttle:
        answer.status = 429;
        answer.headers.append({QByteArrayLiteral("Retry-After"), QByteArray::number(m_retryAfter)});
        answer.body =
            QByteArrayLiteral("{\"error\":\"temporarily_unavailable\",\"error_description\":\"AADSTS50196: "
                              "The server terminated an operation because it encountered a client request "
                              "loop.\",\"error_codes\":[50196]}");
        break;
    case Fault::Hang:
        answer.hang = true;
        break;
    case Fault::MalformedJson:
        answer.body = QByteArrayLiteral("{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_tok");
        break;
    case Fault::Html200:
        answer.contentType = QByteArrayLiteral("text/html");
        answer.body = QByteArrayLiteral("<html><body>Sign in to the network</body></html>");
        break;
    case Fault::MissingAccessToken:
        answer.body =
            QByteArrayLiteral("{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599}");
        break;
    case Fault::HugeBody:
        answer.body = QByteArrayLiteral("{\"token_type\":\"Bearer\",\"expires_in\":3599,\"padding\":\"") +
                      QByteArray(qsizetype{8} * 1024 * 1024, 'x') +
                      QByteArrayLiteral("\",\"access_token\":\"x\"}");
        break;
    }
    return answer;
}

FakeEntra::Answer FakeEntra::reject(int status, const QString &error, int aadsts, const QString &description)
{
    const QString traceId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString correlationId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString timestamp = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    const QString fullDescription =
        QStringLiteral("AADSTS%1: %2 Trace ID: %3 Correlation ID: %4 Timestamp: %5")
            .arg(QString::number(aadsts), description, traceId, correlationId, timestamp);
    m_lastRejection = error + u' ' + fullDescription;
    Answer answer;
    answer.status = status;
    answer.body = QJsonDocument(QJsonObject{{QStringLiteral("error"), error},
                                            {QStringLiteral("error_description"), fullDescription},
                                            {QStringLiteral("error_codes"), QJsonArray{aadsts}},
                                            {QStringLiteral("timestamp"), timestamp},
                                            {QStringLiteral("trace_id"), traceId},
                                            {QStringLiteral("correlation_id"), correlationId}})
                      .toJson(QJsonDocument::Compact);
    return answer;
}

FakeEntra::Answer FakeEntra::issue(const AccessTokenSubject &subject)
{
    if (m_signer != nullptr) {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        m_lastAccessToken = m_signer->sign(subject, now, now + m_expiresIn);
    } else {
        QByteArray random(24, Qt::Uninitialized);
        QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(random.data()), random.size() / 4);
        m_lastAccessToken = QByteArrayLiteral("fake-entra.") +
                            random.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    }
    ++m_tokensIssued;
    const auto number = [this](int value) {
        return m_numbersAsStrings ? QJsonValue(QString::number(value)) : QJsonValue(value);
    };
    QJsonObject object{{QStringLiteral("token_type"), QStringLiteral("Bearer")},
                       {QStringLiteral("expires_in"), number(m_expiresIn)},
                       {QStringLiteral("ext_expires_in"), number(m_expiresIn)},
                       {QStringLiteral("access_token"), QString::fromLatin1(m_lastAccessToken)}};
    if (m_refreshIn)
        object.insert(QStringLiteral("refresh_in"), number(*m_refreshIn));
    Answer answer;
    answer.body = QJsonDocument(object).toJson(QJsonDocument::Compact);
    return answer;
}

std::optional<FakeEntra::Answer> FakeEntra::checkAssertion(const QString &tenant, const QString &clientId,
                                                           const Client &client, const QString &assertion)
{
    const QByteArray jwt = assertion.toUtf8();
    const QList<QByteArray> parts = jwt.split('.');
    bool headerOk = false;
    const QByteArray header = parts.size() == 3 ? base64UrlDecode(parts.at(0), &headerOk) : QByteArray();
    if (headerOk)
        m_lastAssertionHeader = QJsonDocument::fromJson(header).object();
    if (client.certificatesDer.isEmpty())
        return reject(401, QStringLiteral("invalid_client"), 7000218,
                      QStringLiteral("No certificate is registered for application '%1'.").arg(clientId));

    JwtVerifier::Expectations expected;
    expected.audience = tokenUrl(tenant, m_audienceHost);
    expected.clientId = clientId;
    expected.now = std::chrono::system_clock::now();
    QString why;
    for (const QByteArray &der : client.certificatesDer) {
        const auto claims = JwtVerifier::verify(jwt, QSslCertificate(der, QSsl::Der), expected);
        if (!claims) {
            why = claims.error();
            continue;
        }
        const QString jti = claims->jwtId;
        if (QUuid::fromString(jti).isNull() ||
            QUuid::fromString(jti).toString(QUuid::WithoutBraces) != jti.toLower())
            return reject(401, QStringLiteral("invalid_client"), 700023,
                          QStringLiteral("Client assertion jti '%1' is not a GUID.").arg(jti));
        if (m_seenJti.contains(jti))
            return reject(
                401, QStringLiteral("invalid_client"), 700025,
                QStringLiteral("Client assertion with jti '%1' was already used (replay).").arg(jti));
        m_seenJti.insert(jti);
        return std::nullopt;
    }
    return reject(401, QStringLiteral("invalid_client"), 700027,
                  QStringLiteral("Client assertion failed validation: %1").arg(why));
}

} // namespace aap::test
