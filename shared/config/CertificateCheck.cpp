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

Expected<void, QString> checkPkcs12(const QString &path, const QByteArray &contents,
                                    const QByteArray &password)
{
    const BioPtr bio = memoryBio(contents);
    const std::unique_ptr<PKCS12, Pkcs12Free> p12(d2i_PKCS12_bio(bio.get(), nullptr));
    if (!p12) {
        ERR_clear_error();
        return Unexpected(u"'"_s + path + u"' is neither a PEM certificate nor a PFX/PKCS#12 file"_s);
    }
    EVP_PKEY *rawKey = nullptr;
    X509 *rawCertificate = nullptr;
    STACK_OF(X509) *rawChain = nullptr;
    const int parsed = PKCS12_parse(p12.get(), password.isEmpty() ? nullptr : password.constData(), &rawKey,
                                    &rawCertificate, &rawChain);
    const KeyPtr key(rawKey);
    const X509Ptr certificate(rawCertificate);
    const std::unique_ptr<STACK_OF(X509), StackFree> chain(rawChain);
    ERR_clear_error();
    if (parsed != 1)
        return Unexpected(u"cannot open the PFX file '"_s + path +
                          u"': wrong or missing password (AZURE_CLIENT_CERTIFICATE_PASSWORD)"_s);
    if (!key)
        return Unexpected(u"the PFX file '"_s + path + u"' contains no private key"_s);
    if (!certificate)
        return Unexpected(u"the PFX file '"_s + path +
                          u"' contains no certificate matching its private key"_s);
    return {};
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
    auto contents = readFile(certificatePath);
    if (!contents)
        return Unexpected(contents.error());
    const QByteArray passwordBytes = password.reveal().toUtf8();

    const X509Ptr certificate = readFirstCertificate(*contents);
    if (!certificate) {
        if (contents->contains("-----BEGIN"))
            return Unexpected(u"'"_s + certificatePath + u"' contains no PEM certificate"_s);
        return checkPkcs12(certificatePath, *contents, passwordBytes);
    }

    QByteArray keyContents = *contents;
    QString keyFile = certificatePath;
    if (!keyPath.isEmpty()) {
        auto separate = readFile(keyPath);
        if (!separate)
            return Unexpected(separate.error());
        keyContents = *separate;
        keyFile = keyPath;
    }
    const KeyPtr key = readPrivateKey(keyContents, passwordBytes);
    if (!key) {
        if (keyContents.contains("ENCRYPTED"))
            return Unexpected(u"cannot read the encrypted private key in '"_s + keyFile +
                              u"': wrong or missing password"_s);
        if (keyPath.isEmpty())
            return Unexpected(u"'"_s + certificatePath +
                              u"' contains a certificate but no private key (put the key in the same file or "
                              u"name it with certificate_key_path)"_s);
        return Unexpected(u"'"_s + keyPath + u"' contains no PEM private key"_s);
    }
    if (X509_check_private_key(certificate.get(), key.get()) != 1) {
        ERR_clear_error();
        return Unexpected(u"the private key in '"_s + keyFile +
                          u"' does not belong to the certificate in '"_s + certificatePath + u"'"_s);
    }
    return {};
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
