#include "auth/credentials/ClientCertificate.h"

#include "auth/credentials/OpenSslPtr.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

#include <gsl/util>

#include <algorithm>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>

#include <vector>

#include <gsl/narrow>

namespace aap::auth {

namespace {

constexpr qint64 maxFileBytes = qint64{1024} * 1024; // certificate files are a few KB; refuse anything huge

Unexpected<CredentialError> failure(const QString &file, const QString &what)
{
    return Unexpected(CredentialError{file, file + QStringLiteral(": ") + what});
}

Expected<QByteArray, CredentialError> readFile(const QString &path, const QString &role)
{
    const QFileInfo info(path);
    if (!info.exists())
        return failure(path, role + QStringLiteral(" file not found"));
    if (!info.isFile())
        return failure(path, role + QStringLiteral(" path is not a regular file"));
    if (info.size() > maxFileBytes)
        return failure(path, role + QStringLiteral(" file is too large to be a certificate or key"));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return failure(path, QStringLiteral("cannot read ") + role + QStringLiteral(" file: ") +
                                 file.errorString());
    QByteArray data = file.read(maxFileBytes + 1);
    if (file.error() != QFileDevice::NoError)
        return failure(path, QStringLiteral("cannot read ") + role + QStringLiteral(" file: ") +
                                 file.errorString());
    return data;
}

// OpenSSL's default callback prompts on the terminal: a service must never do that. userdata is the
// password as UTF-8; an empty password fails the decryption instead of prompting.
int passwordCallback(char *buffer, int size, int /*rwflag*/, void *userdata)
{
    const auto *password = static_cast<const QByteArray *>(userdata);
    if (password == nullptr || password->isEmpty() || password->size() > size)
        return -1;
    std::copy(password->cbegin(), password->cend(), buffer);
    return gsl::narrow<int>(password->size());
}

bool isPem(const QByteArray &data)
{
    return data.contains("-----BEGIN ");
}

struct Contents {
    std::vector<ossl::X509Ptr> certificates;
    ossl::Pkey key;
};

std::vector<ossl::X509Ptr> pemCertificates(const QByteArray &data)
{
    std::vector<ossl::X509Ptr> certificates;
    const ossl::Bio bio = ossl::memoryBio(data);
    // PEM_read_bio_X509 skips blocks of other types (keys) until the next certificate.
    while (ossl::X509Ptr certificate{PEM_read_bio_X509(bio.get(), nullptr, passwordCallback, nullptr)})
        certificates.push_back(std::move(certificate));
    return certificates;
}

Expected<ossl::Pkey, CredentialError> pemKey(const QByteArray &data, const QString &path,
                                             const config::Secret &password)
{
    QByteArray passwordBytes = password.reveal().toUtf8();
    const auto wipe = gsl::finally([&passwordBytes] { passwordBytes.fill('\0'); });
    const ossl::Bio bio = ossl::memoryBio(data);
    ossl::Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, passwordCallback, &passwordBytes));
    if (key)
        return key;
    if (data.contains("ENCRYPTED PRIVATE KEY") || data.contains("Proc-Type: 4,ENCRYPTED"))
        return failure(path,
                       password.isEmpty()
                           ? QStringLiteral("the private key is encrypted and no password is configured")
                           : QStringLiteral("cannot decrypt the private key: wrong password"));
    if (data.contains("PRIVATE KEY-----"))
        return failure(path, QStringLiteral("the private key block cannot be parsed"));
    return failure(path, QStringLiteral("contains no private key"));
}

// Old PFX files (Windows before 2019, OpenSSL 1.x) encrypt certificates with RC2-40, which
// OpenSSL 3 keeps in its legacy provider. Loaded once, on demand, next to the default provider.
bool loadLegacyProvider()
{
    // Unloaded by the static's destructor at exit, before OpenSSL's own atexit cleanup.
    static const std::unique_ptr<OSSL_PROVIDER, ossl::Deleter<OSSL_PROVIDER_unload>> legacy(
        OSSL_PROVIDER_try_load(nullptr, "legacy", 1));
    return legacy != nullptr;
}

Expected<Contents, CredentialError> pkcs12Contents(const QByteArray &data, const QString &path,
                                                   const config::Secret &password)
{
    const ossl::Bio bio = ossl::memoryBio(data);
    const ossl::Pkcs12 pkcs12(d2i_PKCS12_bio(bio.get(), nullptr));
    if (!pkcs12)
        return failure(path, QStringLiteral("not a certificate file (neither PEM, DER nor PKCS#12)"));

    QByteArray passwordBytes = password.reveal().toUtf8();
    const auto wipe = gsl::finally([&passwordBytes] { passwordBytes.fill('\0'); });
    // A PFX exported "without password" has no MAC or a MAC over the empty password.
    const char *pass = password.isEmpty() ? nullptr : passwordBytes.constData();
    if (PKCS12_mac_present(pkcs12.get()) == 1) {
        const bool macOk = password.isEmpty() ? (PKCS12_verify_mac(pkcs12.get(), nullptr, 0) == 1 ||
                                                 PKCS12_verify_mac(pkcs12.get(), "", 0) == 1)
                                              : PKCS12_verify_mac(pkcs12.get(), pass, -1) == 1;
        if (!macOk)
            return failure(path, password.isEmpty()
                                     ? QStringLiteral("the PFX file is password-protected and no password is "
                                                      "configured")
                                     : QStringLiteral("wrong password for the PFX file"));
    }

    EVP_PKEY *key = nullptr;
    X509 *certificate = nullptr;
    STACK_OF(X509) *others = nullptr;
    bool parsed = PKCS12_parse(pkcs12.get(), pass, &key, &certificate, &others) == 1;
    if (!parsed && loadLegacyProvider())
        parsed = PKCS12_parse(pkcs12.get(), pass, &key, &certificate, &others) == 1;
    Contents contents;
    contents.key.reset(key);
    const ossl::X509Ptr leaf(certificate);
    const ossl::X509Stack rest(others);
    if (!parsed)
        return failure(path,
                       QStringLiteral("cannot decode the PFX file (unsupported encryption or damaged)"));
    if (leaf)
        contents.certificates.emplace_back(X509_dup(leaf.get()));
    for (int i = 0; rest && i < sk_X509_num(rest.get()); ++i)
        contents.certificates.emplace_back(X509_dup(sk_X509_value(rest.get(), i)));
    return contents;
}

QString keyTypeName(EVP_PKEY *key)
{
    const char *name = EVP_PKEY_get0_type_name(key);
    return name != nullptr ? QString::fromLatin1(name) : QStringLiteral("unknown");
}

Clock::TimePoint toTimePoint(const ASN1_TIME *time)
{
    int days = 0;
    int seconds = 0;
    const ossl::Asn1Time epoch(ASN1_TIME_set(nullptr, 0));
    if (!epoch || ASN1_TIME_diff(&days, &seconds, epoch.get(), time) != 1)
        return {};
    return Clock::TimePoint{std::chrono::seconds{static_cast<std::int64_t>(days) * 86'400 + seconds}};
}

QString subjectOf(X509 *certificate)
{
    const ossl::Bio bio(BIO_new(BIO_s_mem()));
    // RFC 2253 escaping, but in the certificate's own RDN order ("CN=app,O=Org").
    const unsigned long flags = XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV;
    if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(certificate), 0, flags) < 0)
        return {};
    return QString::fromUtf8(ossl::bioContents(bio.get()));
}

QByteArray base64Url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

} // namespace

Expected<ClientCertificate, CredentialError> ClientCertificate::load(const QString &certificatePath,
                                                                     const QString &keyPath,
                                                                     const config::Secret &password,
                                                                     KeyUse use)
{
    auto certificateData = readFile(certificatePath, QStringLiteral("certificate"));
    if (!certificateData)
        return Unexpected(std::move(certificateData).error());
    QByteArray keyData;
    if (!keyPath.isEmpty()) {
        auto read = readFile(keyPath, QStringLiteral("private key"));
        if (!read)
            return Unexpected(std::move(read).error());
        keyData = std::move(read).value();
    }
    return fromData(*certificateData, certificatePath, keyData, keyPath, password, use);
}

Expected<ClientCertificate, CredentialError>
ClientCertificate::fromData(const QByteArray &certificateData, const QString &certificatePath,
                            const QByteArray &keyData, const QString &keyPath, const config::Secret &password,
                            KeyUse use)
{
    // Never leave errors on this thread's queue: Qt's TLS code reads the same queue.
    const auto clearErrors = gsl::finally([] { ERR_clear_error(); });
    const bool separateKey = !keyPath.isEmpty();
    const QString &keySource = separateKey ? keyPath : certificatePath;
    if (certificateData.trimmed().isEmpty())
        return failure(certificatePath, QStringLiteral("certificate file is empty"));

    Contents contents;
    if (isPem(certificateData)) {
        contents.certificates = pemCertificates(certificateData);
        if (contents.certificates.empty())
            return failure(certificatePath, QStringLiteral("contains no PEM certificate"));
        auto key = pemKey(separateKey ? keyData : certificateData, keySource, password);
        if (!key)
            return Unexpected(std::move(key).error());
        contents.key = std::move(key).value();
    } else if (separateKey) {
        ossl::X509Ptr der = ossl::certificateFromDer(certificateData);
        if (!der)
            return failure(certificatePath, QStringLiteral("not a certificate (neither PEM nor DER)"));
        contents.certificates.push_back(std::move(der));
        auto key = pemKey(keyData, keyPath, password);
        if (!key)
            return Unexpected(std::move(key).error());
        contents.key = std::move(key).value();
    } else {
        if (ossl::certificateFromDer(certificateData))
            return failure(certificatePath, QStringLiteral("contains a DER certificate but no private key; "
                                                           "configure the key file too"));
        auto parsed = pkcs12Contents(certificateData, certificatePath, password);
        if (!parsed)
            return Unexpected(std::move(parsed).error());
        contents = std::move(parsed).value();
        if (contents.certificates.empty())
            return failure(certificatePath, QStringLiteral("the PFX file contains no certificate"));
        if (!contents.key)
            return failure(certificatePath, QStringLiteral("the PFX file contains no private key"));
    }

    auto leaf = contents.certificates.end();
    for (auto it = contents.certificates.begin(); it != contents.certificates.end(); ++it) {
        if (EVP_PKEY_eq(X509_get0_pubkey(it->get()), contents.key.get()) == 1) {
            leaf = it;
            break;
        }
    }
    if (leaf == contents.certificates.end())
        return failure(keySource,
                       QStringLiteral("the private key matches none of the %1 certificate(s) in %2")
                           .arg(contents.certificates.size())
                           .arg(certificatePath));
    const int keyType = EVP_PKEY_get_base_id(contents.key.get());
    if (use == KeyUse::Assertion && keyType != EVP_PKEY_RSA)
        return failure(keySource, QStringLiteral("unsupported key type %1: RS256 and PS256 need an RSA key")
                                      .arg(keyTypeName(contents.key.get())));
    // Qt's TLS backend takes no other key type from a native handle.
    if (use == KeyUse::Tls && keyType != EVP_PKEY_RSA && keyType != EVP_PKEY_EC)
        return failure(keySource, QStringLiteral("unsupported key type %1: TLS needs an RSA or EC key")
                                      .arg(keyTypeName(contents.key.get())));

    ClientCertificate result;
    result.m_path = certificatePath;
    result.m_chainDer.append(ossl::certificateDer(leaf->get()));
    for (auto it = contents.certificates.begin(); it != contents.certificates.end(); ++it) {
        if (it != leaf)
            result.m_chainDer.append(ossl::certificateDer(it->get()));
    }
    result.m_sha1 = QCryptographicHash::hash(result.m_chainDer.first(), QCryptographicHash::Sha1);
    result.m_sha256 = QCryptographicHash::hash(result.m_chainDer.first(), QCryptographicHash::Sha256);
    result.m_notBefore = toTimePoint(X509_get0_notBefore(leaf->get()));
    result.m_notAfter = toTimePoint(X509_get0_notAfter(leaf->get()));
    result.m_subject = subjectOf(leaf->get());
    result.m_key = std::shared_ptr<EVP_PKEY>(contents.key.release(), EVP_PKEY_free);
    return result;
}

QByteArray ClientCertificate::x5t() const
{
    return base64Url(m_sha1);
}

QByteArray ClientCertificate::x5tS256() const
{
    return base64Url(m_sha256);
}

QStringList ClientCertificate::x5c() const
{
    QStringList encoded;
    encoded.reserve(m_chainDer.size());
    for (const QByteArray &der : m_chainDer)
        encoded.append(QString::fromLatin1(der.toBase64()));
    return encoded;
}

Expected<QByteArray, CredentialError> ClientCertificate::sign(config::AssertionAlgorithm algorithm,
                                                              const QByteArray &data) const
{
    const auto clearErrors = gsl::finally([] { ERR_clear_error(); });
    const ossl::MdCtx context(EVP_MD_CTX_new());
    EVP_PKEY_CTX *keyContext = nullptr; // owned by context
    if (!context || EVP_DigestSignInit(context.get(), &keyContext, EVP_sha256(), nullptr, m_key.get()) != 1)
        return failure(m_path, QStringLiteral("cannot initialise signing with the private key"));
    if (algorithm == config::AssertionAlgorithm::PS256 &&
        (EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_mgf1_md(keyContext, EVP_sha256()) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, RSA_PSS_SALTLEN_DIGEST) != 1))
        return failure(m_path, QStringLiteral("cannot configure RSA-PSS signing"));
    const auto *input = reinterpret_cast<const unsigned char *>(data.constData());
    const auto inputSize = gsl::narrow<std::size_t>(data.size());
    std::size_t size = 0;
    if (EVP_DigestSign(context.get(), nullptr, &size, input, inputSize) != 1)
        return failure(m_path, QStringLiteral("signing failed"));
    QByteArray signature(gsl::narrow<qsizetype>(size), '\0');
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char *>(signature.data()), &size, input,
                       inputSize) != 1)
        return failure(m_path, QStringLiteral("signing failed"));
    signature.resize(gsl::narrow<qsizetype>(size));
    return signature;
}

} // namespace aap::auth
