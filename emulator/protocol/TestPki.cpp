#include "protocol/TestPki.h"

#include "auth/credentials/OpenSslPtr.h"

#include <QFile>
#include <QHostAddress>
#include <QSslSocket>

#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <vector>

namespace aap::test {

namespace ossl = aap::auth::ossl;

namespace {

constexpr int caKeySlot = 0;
constexpr int serverKeySlot = 1;
constexpr int firstClientKeySlot = 2;
constexpr long oneDay = 24L * 60 * 60;

// RSA key generation is the only slow step, so keys live for the whole process and every
// TestPki instance draws from the same numbered slots.
EVP_PKEY *pooledKey(int slot)
{
    static std::mutex mutex;
    static std::vector<ossl::Pkey> pool;
    const std::scoped_lock lock(mutex);
    while (pool.size() <= static_cast<std::size_t>(slot))
        pool.emplace_back(EVP_RSA_gen(2048));
    return pool[static_cast<std::size_t>(slot)].get();
}

QByteArray privateKeyPem(EVP_PKEY *key)
{
    const ossl::Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return {};
    return ossl::bioContents(bio.get());
}

ossl::Pkey privateKeyFromPem(const QByteArray &pem)
{
    const ossl::Bio bio = ossl::memoryBio(pem);
    return ossl::Pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

bool addNameEntry(X509_NAME *name, const QString &part)
{
    const qsizetype equals = part.indexOf(QLatin1Char('='));
    if (equals <= 0)
        return false;
    const QByteArray field = part.left(equals).trimmed().toUtf8();
    const QByteArray value = part.mid(equals + 1).trimmed().toUtf8();
    return X509_NAME_add_entry_by_txt(name, field.constData(), MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char *>(value.constData()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
}

bool setSubject(X509 *certificate, const QString &subject)
{
    X509_NAME *name = X509_get_subject_name(certificate);
    const QStringList parts = subject.split(QLatin1Char(','), Qt::SkipEmptyParts);
    return std::ranges::all_of(parts, [name](const QString &part) { return addNameEntry(name, part); });
}

bool setRandomSerial(X509 *certificate)
{
    std::array<unsigned char, 8> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        return false;
    bytes[0] &= 0x7fU; // positive
    const ossl::BigNum number(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
    return number && BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(certificate)) != nullptr;
}

bool addExtension(X509 *certificate, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    const ossl::X509Extension extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value));
    return extension && X509_add_ext(certificate, extension.get(), -1) == 1;
}

struct Period {
    long notBeforeOffset;
    long notAfterOffset;
};

ossl::X509Ptr makeCertificate(EVP_PKEY *key, const QString &subject, X509 *issuer, Period validity)
{
    ossl::X509Ptr certificate(X509_new());
    if (!certificate || X509_set_version(certificate.get(), 2) != 1 || !setRandomSerial(certificate.get()) ||
        !setSubject(certificate.get(), subject) || X509_set_pubkey(certificate.get(), key) != 1)
        return {};
    X509 *effectiveIssuer = issuer != nullptr ? issuer : certificate.get();
    if (X509_set_issuer_name(certificate.get(), X509_get_subject_name(effectiveIssuer)) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(certificate.get()), validity.notBeforeOffset) == nullptr ||
        X509_gmtime_adj(X509_getm_notAfter(certificate.get()), validity.notAfterOffset) == nullptr ||
        !addExtension(certificate.get(), effectiveIssuer, NID_subject_key_identifier, "hash"))
        return {};
    return certificate;
}

bool sign(X509 *certificate, EVP_PKEY *issuerKey)
{
    return X509_sign(certificate, issuerKey, EVP_sha256()) > 0;
}

} // namespace

QByteArray TestPki::Identity::certificatePem() const
{
    return certificate().toPem();
}

QSslCertificate TestPki::Identity::certificate() const
{
    return QSslCertificate(m_certificateDer, QSsl::Der);
}

QSslKey TestPki::Identity::key() const
{
    return QSslKey(m_keyPem, m_keyAlgorithm, QSsl::Pem, QSsl::PrivateKey);
}

bool TestPki::Identity::writePem(const QString &path, bool keyFirst) const
{
    return writeFile(path, keyFirst ? m_keyPem + certificatePem() : certificatePem() + m_keyPem);
}

bool TestPki::Identity::writeCertificatePem(const QString &path, bool withCa) const
{
    QByteArray pem = certificatePem();
    if (withCa)
        pem += QSslCertificate(m_caDer, QSsl::Der).toPem();
    return writeFile(path, pem);
}

bool TestPki::Identity::writeKeyPem(const QString &path) const
{
    return writeFile(path, m_keyPem);
}

bool TestPki::Identity::writeEncryptedKeyPem(const QString &path, const QString &password) const
{
    const ossl::Pkey key = privateKeyFromPem(m_keyPem);
    const ossl::Bio bio(BIO_new(BIO_s_mem()));
    QByteArray passwordBytes = password.toUtf8();
    if (!key || !bio ||
        PEM_write_bio_PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(),
                                 reinterpret_cast<const unsigned char *>(passwordBytes.constData()),
                                 static_cast<int>(passwordBytes.size()), nullptr, nullptr) != 1)
        return false;
    return writeFile(path, ossl::bioContents(bio.get()));
}

bool TestPki::Identity::writePfx(const QString &path, const QString &password, PfxLayout layout) const
{
    const ossl::Pkey key = privateKeyFromPem(m_keyPem);
    const ossl::X509Ptr leaf = ossl::certificateFromDer(m_certificateDer);
    ossl::X509Ptr ca = ossl::certificateFromDer(m_caDer);
    ossl::X509Ptr other = ossl::certificateFromDer(m_otherDer);
    const ossl::X509Stack others(sk_X509_new_null());
    if (!key || !leaf || !ca || !others)
        return false;
    X509 *bagCertificate = leaf.get();
    if (layout == PfxLayout::LeafInMiddle) {
        // No cert argument: PKCS12_create then writes no localKeyID linking key and leaf.
        bagCertificate = nullptr;
        if (!other || sk_X509_push(others.get(), other.get()) <= 0)
            return false;
        static_cast<void>(other.release());
        if (X509_up_ref(leaf.get()) != 1 || sk_X509_push(others.get(), leaf.get()) <= 0)
            return false;
    }
    if (sk_X509_push(others.get(), ca.get()) <= 0)
        return false;
    static_cast<void>(ca.release());

    const QByteArray passwordBytes = password.toUtf8();
    const bool protect = !password.isEmpty();
    // Without a password: plain bags and no MAC, as Windows writes a PFX exported without one.
    const int noEncryption = -1;
    const ossl::Pkcs12 pkcs12(PKCS12_create(
        protect ? passwordBytes.constData() : nullptr, "test client", key.get(), bagCertificate, others.get(),
        protect ? 0 : noEncryption, protect ? 0 : noEncryption, 0, protect ? 0 : -1, 0));
    const ossl::Bio bio(BIO_new(BIO_s_mem()));
    if (!pkcs12 || !bio || i2d_PKCS12_bio(bio.get(), pkcs12.get()) != 1)
        return false;
    return writeFile(path, ossl::bioContents(bio.get()));
}

bool TestPki::Identity::writeLegacyPfx(const QString &path, const QString &password) const
{
    using Provider = std::unique_ptr<OSSL_PROVIDER, ossl::Deleter<OSSL_PROVIDER_unload>>;
    const std::unique_ptr<OSSL_LIB_CTX, ossl::Deleter<OSSL_LIB_CTX_free>> context(OSSL_LIB_CTX_new());
    // Declared after the context, so they are unloaded before it is freed.
    const Provider legacy(context ? OSSL_PROVIDER_load(context.get(), "legacy") : nullptr);
    const Provider defaults(context ? OSSL_PROVIDER_load(context.get(), "default") : nullptr);
    if (!legacy || !defaults)
        return false;
    const ossl::Pkey key = privateKeyFromPem(m_keyPem);
    const ossl::X509Ptr leaf = ossl::certificateFromDer(m_certificateDer);
    ossl::X509Ptr ca = ossl::certificateFromDer(m_caDer);
    const ossl::X509Stack others(sk_X509_new_null());
    if (!key || !leaf || !ca || !others || sk_X509_push(others.get(), ca.get()) <= 0)
        return false;
    static_cast<void>(ca.release());
    const QByteArray passwordBytes = password.toUtf8();
    const ossl::Pkcs12 pkcs12(
        PKCS12_create_ex(passwordBytes.constData(), "legacy client", key.get(), leaf.get(), others.get(),
                         NID_pbe_WithSHA1And3_Key_TripleDES_CBC, NID_pbe_WithSHA1And40BitRC2_CBC, 0, 0, 0,
                         context.get(), nullptr));
    const ossl::Bio bio(BIO_new(BIO_s_mem()));
    if (!pkcs12 || !bio || i2d_PKCS12_bio(bio.get(), pkcs12.get()) != 1)
        return false;
    return writeFile(path, ossl::bioContents(bio.get()));
}

TestPki::TestPki()
{
    EVP_PKEY *caKey = pooledKey(caKeySlot);
    const ossl::X509Ptr ca =
        makeCertificate(caKey, QStringLiteral("CN=aad-auth-proxy Test CA,O=aad-auth-proxy tests"), nullptr,
                        Period{-oneDay, 3650 * oneDay});
    if (!ca || !addExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE") ||
        !addExtension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !sign(ca.get(), caKey))
        return;
    m_caDer = ossl::certificateDer(ca.get());

    m_server = issueServer(KeyType::Rsa);
    m_wrongNameServer = issue(QStringLiteral("CN=wrong.example.invalid"), pooledKey(serverKeySlot), true,
                              {QStringLiteral("DNS:wrong.example.invalid")}, Validity::Valid);
    m_valid = m_dir.isValid() && !m_server.m_certificateDer.isEmpty() &&
              !m_wrongNameServer.m_certificateDer.isEmpty() &&
              writeFile(caCertificatePath(), caCertificate().toPem()) &&
              m_server.writeCertificatePem(serverCertificatePath()) && m_server.writeKeyPem(serverKeyPath());
}

QSslCertificate TestPki::caCertificate() const
{
    return QSslCertificate(m_caDer, QSsl::Der);
}

TestPki::Identity TestPki::issueClient(const QString &subject, Validity validity, KeyType keyType)
{
    if (keyType == KeyType::EcP256) {
        const ossl::Pkey ecKey(EVP_EC_gen("P-256"));
        Identity identity = issue(subject, ecKey.get(), false, {}, validity);
        identity.m_otherDer = m_server.m_certificateDer;
        identity.m_keyAlgorithm = QSsl::Ec;
        return identity;
    }
    Identity identity =
        issue(subject, pooledKey(firstClientKeySlot + m_nextClientKey++), false, {}, validity);
    identity.m_otherDer = m_server.m_certificateDer;
    return identity;
}

TestPki::Identity TestPki::issueServer(KeyType keyType)
{
    const QStringList names{QStringLiteral("DNS:localhost"), QStringLiteral("IP:127.0.0.1"),
                            QStringLiteral("IP:::1")};
    if (keyType == KeyType::EcP256) {
        const ossl::Pkey ecKey(EVP_EC_gen("P-256"));
        Identity identity = issue(QStringLiteral("CN=localhost"), ecKey.get(), true, names, Validity::Valid);
        identity.m_keyAlgorithm = QSsl::Ec;
        return identity;
    }
    return issue(QStringLiteral("CN=localhost"), pooledKey(serverKeySlot), true, names, Validity::Valid);
}

TestPki::Identity TestPki::issue(const QString &subject, EVP_PKEY *key, bool server,
                                 const QStringList &altNames, Validity validity)
{
    Identity identity;
    EVP_PKEY *caKey = pooledKey(caKeySlot);
    const ossl::X509Ptr ca = ossl::certificateFromDer(m_caDer);
    if (!ca)
        return identity;
    const Period period =
        validity == Validity::Valid ? Period{-oneDay, 365 * oneDay} : Period{-30 * oneDay, -oneDay};
    const ossl::X509Ptr certificate = makeCertificate(key, subject, ca.get(), period);
    if (!certificate ||
        !addExtension(certificate.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE") ||
        !addExtension(certificate.get(), ca.get(), NID_authority_key_identifier, "keyid:always") ||
        !addExtension(certificate.get(), ca.get(), NID_key_usage,
                      "critical,digitalSignature,keyEncipherment") ||
        !addExtension(certificate.get(), ca.get(), NID_ext_key_usage, server ? "serverAuth" : "clientAuth"))
        return identity;
    if (!altNames.isEmpty()) {
        const QByteArray names = altNames.join(QLatin1Char(',')).toLatin1();
        if (!addExtension(certificate.get(), ca.get(), NID_subject_alt_name, names.constData()))
            return identity;
    }
    if (!sign(certificate.get(), caKey))
        return identity;
    identity.m_certificateDer = ossl::certificateDer(certificate.get());
    identity.m_keyPem = privateKeyPem(key);
    identity.m_caDer = m_caDer;
    return identity;
}

QSslConfiguration TestPki::serverConfiguration(bool wrongName) const
{
    const Identity &identity = wrongName ? m_wrongNameServer : m_server;
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(identity.certificate());
    configuration.setPrivateKey(identity.key());
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    return configuration;
}

QSslConfiguration TestPki::clientConfiguration() const
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates({caCertificate()});
    configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
    return configuration;
}

bool TestPki::writeGarbage(const QString &path) const
{
    return writeFile(path, QByteArrayLiteral("this is not a certificate\n\x30\x82\x01\x00garbage\xff\xfe"));
}

bool TestPki::writeFile(const QString &path, const QByteArray &contents)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return file.write(contents) == contents.size() && file.flush();
}

} // namespace aap::test
