#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <QByteArray>

#include <memory>

#include <gsl/narrow>

// Owning handles for the OpenSSL objects the credential code and the test PKI use: every object is
// freed on every path, including early error returns.
namespace aap::auth::ossl {

template <auto FreeFunction> struct Deleter {
    template <typename T> void operator()(T *object) const noexcept { FreeFunction(object); }
};

using Bio = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509Name = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using X509Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using Pkcs12 = std::unique_ptr<PKCS12, Deleter<PKCS12_free>>;
using BigNum = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using Asn1Time = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;

inline void freeX509Stack(STACK_OF(X509) * stack) noexcept
{
    sk_X509_pop_free(stack, X509_free);
}
using X509Stack = std::unique_ptr<STACK_OF(X509), Deleter<freeX509Stack>>;

// A read-only memory BIO over bytes; BIO_new_mem_buf does not copy, so `bytes` must outlive it.
inline Bio memoryBio(const QByteArray &bytes)
{
    return Bio(BIO_new_mem_buf(bytes.constData(), gsl::narrow<int>(bytes.size())));
}

// Everything written to a memory BIO, as bytes.
inline QByteArray bioContents(BIO *bio)
{
    BUF_MEM *memory = nullptr;
    BIO_get_mem_ptr(bio, &memory);
    if (memory == nullptr)
        return {};
    return QByteArray(memory->data, gsl::narrow<qsizetype>(memory->length));
}

inline QByteArray certificateDer(X509 *certificate)
{
    unsigned char *buffer = nullptr;
    const int length = i2d_X509(certificate, &buffer);
    if (length <= 0)
        return {};
    QByteArray der(reinterpret_cast<const char *>(buffer), length);
    OPENSSL_free(buffer);
    return der;
}

inline X509Ptr certificateFromDer(const QByteArray &der)
{
    const auto *cursor = reinterpret_cast<const unsigned char *>(der.constData());
    return X509Ptr(d2i_X509(nullptr, &cursor, gsl::narrow<long>(der.size())));
}

} // namespace aap::auth::ossl
