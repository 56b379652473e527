#include "config/CertificateCheck.h"

#include <QFile>
#include <QFileInfo>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <gsl/narrow>

#include <ctime>
#include <memory>

namespace aap::config {

using namespace Qt::StringLiterals;

namespace {

struct BioFree {
    void operator()(BIO *bio) const { BIO_free(bio); }
};
struct X509Free {
    void operator()(X509 *certificate) const { X509_free(certificate); }
};
struct KeyFree {
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
};
struct Pkcs12Free {
    void operator()(PKCS12 *p12) const { PKCS12_free(p12); }
};
struct StackFree {
    void operator()(STACK_OF(X509) * stack) const { sk_X509_pop_free(stack, X509_free); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

// Password callback data for PEM_read_bio_PrivateKey: an encrypted key gets the configured password.
int passwordCallback(char *buffer, int size, int /*rwflag*/, void *userData)
{
    const auto *password = static_cast<const QByteArray *>(userData);
    const int length = std::min(size, gsl::narrow<int>(password->size()));
    std::copy_n(password->constData(), length, buffer);
    return length;
}

// The BIO reads the QByteArray in place (BIO_new_mem_buf does not copy): contents must outlive it.
BioPtr memoryBio(const QByteArray &contents)
{
    return BioPtr(BIO_new_mem_buf(contents.constData(), gsl::narrow<int>(contents.size())));
}

X509Ptr readFirstCertificate(const QByteArray &contents)
{
    const BioPtr bio = memoryBio(contents);
    X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    return certificate;
}

KeyPtr readPrivateKey(const QByteArray &contents, const QByteArray &password)
{
    const BioPtr bio = memoryBio(contents);
    auto *userData = const_cast<QByteArray *>(&password); // NOLINT(cppcoreguidelines-pro-type-const-cast)
    KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, passwordCallback, userData));
    ERR_clear_error();
    return key;
}

Expected<QByteArray, QString> readFile(const QString &path)
{
    if (auto readable = CertificateCheck::checkReadableFile(path); !readable)
        return Unexpected(readable.error());
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Unexpected(u"cannot read '"_s + path + u"': "_s + file.errorString());
    // Certificate files are small; a huge file is a wrong path.
    if (file.size() > qint64{1024} * 1024)
        return Unexpected(u"'"_s + path + u"' is larger than 1 MiB: not a certificate file"_s);
    return file.readAll();
}

QDateTime toDateTime(const ASN1_TIME *time)
{
    std::tm parts{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1)
        return {};
    return QDateTime(QDate(parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday),
                     QTime(parts.tm_hour, parts.tm_min, parts.tm_sec), Qt::UTC);
}

// RFC 2253 escaping, in the order the certificate lists it ("CN=app, O=Contoso"), as Windows and
// the Azure portal show names.
constexpr unsigned long kNameFlags =
    (XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV & ~XN_FLAG_SEP_MASK) | XN_FLAG_SEP_CPLUS_SPC;

QString nameText(const X509_NAME *name)
{
    const BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, kNameFlags) < 0)
        return {};
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QString::fromUtf8(data, gsl::narrow<qsizetype>(size));
}

void describeCertificate(CertificateInfo &info, X509 *certificate)
{
    info.certificateRead = true;
    info.subject = nameText(X509_get_subject_name(certificate));
    info.issuer = nameText(X509_get_issuer_name(certificate));
    QByteArray digest(EVP_MAX_MD_SIZE, '\0');
    unsigned int length = 0;
    // X509_digest writes unsigned bytes; QByteArray holds them as char.
    auto *out = reinterpret_cast<unsigned char *>(
        digest.data()); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
    if (X509_digest(certificate, EVP_sha1(), out, &length) == 1)
        info.thumbprint = QString::fromLatin1(digest.left(gsl::narrow<qsizetype>(length)).toHex().toUpper());
    info.notBefore = toDateTime(X509_get0_notBefore(certificate));
    info.notAfter = toDateTime(X509_get0_notAfter(certificate));
}

void inspectPkcs12(CertificateInfo &info, const QString &path, const QByteArray &contents,
                   const QByteArray &password)
{
    const BioPtr bio = memoryBio(contents);
    const std::unique_ptr<PKCS12, Pkcs12Free> p12(d2i_PKCS12_bio(bio.get(), nullptr));
    if (!p12) {
        ERR_clear_error();
        info.problem = u"'"_s + path + u"' is neither a PEM certificate nor a PFX/PKCS#12 file"_s;
        return;
    }
    info.format = CertificateInfo::Format::Pfx;
    auto parse = [&](const char *pass, KeyPtr &key, X509Ptr &certificate) {
        EVP_PKEY *rawKey = nullptr;
        X509 *rawCertificate = nullptr;
        STACK_OF(X509) *rawChain = nullptr;
        const int parsed = PKCS12_parse(p12.get(), pass, &rawKey, &rawCertificate, &rawChain);
        key.reset(rawKey);
        certificate.reset(rawCertificate);
        const std::unique_ptr<STACK_OF(X509), StackFree> chain(rawChain);
        ERR_clear_error();
        return parsed == 1;
    };
    KeyPtr key;
    X509Ptr certificate;
    // A PFX exported without a password opens without one; anything else needs the password.
    bool opened = parse(nullptr, key, certificate);
    if (!opened) {
        info.passwordRequired = true;
        opened = !password.isEmpty() && parse(password.constData(), key, certificate);
        info.passwordAccepted = opened;
    }
    if (!opened) {
        info.key = CertificateInfo::Key::Locked;
        info.problem = u"cannot open the PFX file '"_s + path +
                       u"': wrong or missing password (AZURE_CLIENT_CERTIFICATE_PASSWORD)"_s;
        return;
    }
    if (certificate)
        describeCertificate(info, certificate.get());
    if (!key) {
        info.key = CertificateInfo::Key::Missing;
        info.problem = u"the PFX file '"_s + path + u"' contains no private key"_s;
        return;
    }
    if (!certificate) {
        info.key = CertificateInfo::Key::Mismatch;
        info.problem = u"the PFX file '"_s + path + u"' contains no certificate matching its private key"_s;
        return;
    }
    info.key = CertificateInfo::Key::Matching;
}

} // namespace

Expected<void, QString> CertificateCheck::checkReadableFile(const QString &path)
{
    const QFileInfo info(path);
    if (!info.exists())
        return Unexpected(u"'"_s + path + u"' does not exist"_s);
    if (!info.isFile())
        return Unexpected(u"'"_s + path + u"' is not a regular file"_s);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Unexpected(u"'"_s + path + u"' is not readable: "_s + file.errorString());
    return {};
}

Expected<void, QString> CertificateCheck::checkCertificateWithKey(const QString &certificatePath,
                                                                  const QString &keyPath,
                                                                  const Secret &password)
{
    CertificateInfo info = inspect(certificatePath, keyPath, password);
    if (!info.usable())
        return Unexpected(std::move(info.problem));
    return {};
}

CertificateInfo CertificateCheck::inspect(const QString &certificatePath, const QString &keyPath,
                                          const Secret &password)
{
    CertificateInfo info;
    auto contents = readFile(certificatePath);
    if (!contents) {
        info.problem = contents.error();
        return info;
    }
    const QByteArray passwordBytes = password.reveal().toUtf8();

    const X509Ptr certificate = readFirstCertificate(*contents);
    if (!certificate) {
        if (contents->contains("-----BEGIN")) {
            info.format = CertificateInfo::Format::Pem;
            info.problem = u"'"_s + certificatePath + u"' contains no PEM certificate"_s;
            return info;
        }
        inspectPkcs12(info, certificatePath, *contents, passwordBytes);
        return info;
    }
    info.format = CertificateInfo::Format::Pem;
    describeCertificate(info, certificate.get());

    QByteArray keyContents = *contents;
    QString keyFile = certificatePath;
    if (!keyPath.isEmpty()) {
        auto separate = readFile(keyPath);
        if (!separate) {
            info.problem = separate.error();
            return info;
        }
        keyContents = *separate;
        keyFile = keyPath;
    }
    info.passwordRequired = keyContents.contains("ENCRYPTED");
    const KeyPtr key = readPrivateKey(keyContents, passwordBytes);
    if (!key) {
        if (info.passwordRequired) {
            info.key = CertificateInfo::Key::Locked;
            info.problem =
                u"cannot read the encrypted private key in '"_s + keyFile + u"': wrong or missing password"_s;
        } else if (keyPath.isEmpty()) {
            info.problem = u"'"_s + certificatePath +
                           u"' contains a certificate but no private key (put the key in the same file or "
                           u"name it with certificate_key_path)"_s;
        } else {
            info.problem = u"'"_s + keyPath + u"' contains no PEM private key"_s;
        }
        return info;
    }
    info.passwordAccepted = info.passwordRequired;
    if (X509_check_private_key(certificate.get(), key.get()) != 1) {
        ERR_clear_error();
        info.key = CertificateInfo::Key::Mismatch;
        info.problem = u"the private key in '"_s + keyFile + u"' does not belong to the certificate in '"_s +
                       certificatePath + u"'"_s;
        return info;
    }
    info.key = CertificateInfo::Key::Matching;
    return info;
}

Expected<void, QString> CertificateCheck::checkCaBundle(const QString &path)
{
    auto contents = readFile(path);
    if (!contents)
        return Unexpected(contents.error());
    if (!readFirstCertificate(*contents))
        return Unexpected(u"'"_s + path + u"' contains no PEM certificate"_s);
    return {};
}

} // namespace aap::config
