#include "inbound/ClientCertificateVerifier.h"

#include "auth/credentials/OpenSslPtr.h"

#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace aap::inbound {

namespace ossl = auth::ossl;

ClientCertificateVerifier::ClientCertificateVerifier(const QList<QSslCertificate> &authorities)
    : m_store(X509_STORE_new())
{
    for (const QSslCertificate &authority : authorities) {
        const ossl::X509Ptr certificate = ossl::certificateFromDer(authority.toDer());
        if (certificate)
            X509_STORE_add_cert(m_store, certificate.get());
    }
}

ClientCertificateVerifier::~ClientCertificateVerifier()
{
    X509_STORE_free(m_store);
}

bool ClientCertificateVerifier::trusts(const QList<QSslCertificate> &chain) const
{
    if (chain.isEmpty())
        return false;
    const ossl::X509Ptr leaf = ossl::certificateFromDer(chain.first().toDer());
    if (!leaf)
        return false;
    ossl::X509Stack untrusted(sk_X509_new_null());
    for (qsizetype i = 1; i < chain.size(); ++i) {
        ossl::X509Ptr intermediate = ossl::certificateFromDer(chain[i].toDer());
        if (intermediate && sk_X509_push(untrusted.get(), intermediate.get()) > 0)
            static_cast<void>(intermediate.release()); // the stack owns it now
    }
    const std::unique_ptr<X509_STORE_CTX, ossl::Deleter<X509_STORE_CTX_free>> context(X509_STORE_CTX_new());
    if (!context || X509_STORE_CTX_init(context.get(), m_store, leaf.get(), untrusted.get()) != 1)
        return false;
    X509_STORE_CTX_set_purpose(context.get(), X509_PURPOSE_SSL_CLIENT);
    return X509_verify_cert(context.get()) == 1;
}

} // namespace aap::inbound
