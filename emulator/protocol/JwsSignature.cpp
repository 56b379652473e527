#include "protocol/JwsSignature.h"

#include "auth/credentials/OpenSslPtr.h"

#include <openssl/err.h>
#include <openssl/rsa.h>

#include <gsl/util>

namespace aap::test {

namespace ossl = aap::auth::ossl;

bool JwsSignature::verify(const QString &algorithm, EVP_PKEY *publicKey, QByteArrayView signingInput,
                          QByteArrayView signature)
{
    const auto clearErrors = gsl::finally([] { ERR_clear_error(); });
    const bool pss = algorithm == QStringLiteral("PS256");
    if (!pss && algorithm != QStringLiteral("RS256"))
        return false;
    const ossl::MdCtx context(EVP_MD_CTX_new());
    EVP_PKEY_CTX *keyContext = nullptr;
    if (publicKey == nullptr || EVP_PKEY_get_base_id(publicKey) != EVP_PKEY_RSA || !context ||
        EVP_DigestVerifyInit(context.get(), &keyContext, EVP_sha256(), nullptr, publicKey) != 1)
        return false;
    if (pss && (EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING) != 1 ||
                EVP_PKEY_CTX_set_rsa_mgf1_md(keyContext, EVP_sha256()) != 1 ||
                EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, 32) != 1))
        return false;
    return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char *>(signature.data()),
                            static_cast<std::size_t>(signature.size()),
                            reinterpret_cast<const unsigned char *>(signingInput.data()),
                            static_cast<std::size_t>(signingInput.size())) == 1;
}

QByteArray JwsSignature::signRs256(EVP_PKEY *privateKey, QByteArrayView signingInput)
{
    const auto clearErrors = gsl::finally([] { ERR_clear_error(); });
    const ossl::MdCtx context(EVP_MD_CTX_new());
    std::size_t length = 0;
    const auto *input = reinterpret_cast<const unsigned char *>(signingInput.data());
    const auto inputLength = static_cast<std::size_t>(signingInput.size());
    if (privateKey == nullptr || !context ||
        EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, privateKey) != 1 ||
        EVP_DigestSign(context.get(), nullptr, &length, input, inputLength) != 1)
        return {};
    QByteArray signature(gsl::narrow_cast<qsizetype>(length), Qt::Uninitialized);
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char *>(signature.data()), &length, input,
                       inputLength) != 1)
        return {};
    signature.truncate(gsl::narrow_cast<qsizetype>(length));
    return signature;
}

} // namespace aap::test
