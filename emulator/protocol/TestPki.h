#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QString>
#include <QTemporaryDir>

using EVP_PKEY = struct evp_pkey_st;

namespace aap::test {

// A throw-away PKI for tests, made with the OpenSSL API (no CLI): a CA, TLS server certificates
// for localhost (and one with a wrong name), client certificates, and writers for every file
// layout the credential loader must handle. Files go to a temporary directory the instance owns.
// RSA 2048 keys are generated once per process and reused by every instance, so a TestPki costs a
// few certificate signatures, not key generations.
class TestPki {
public:
    // How writePfx() orders the certificate bags.
    enum class PfxLayout {
        // What `openssl pkcs12 -export` makes: the leaf (linked to the key by localKeyID) first,
        // the CA cert last.
        LeafFirst,
        // [another client's certificate, leaf, CA]: the leaf is neither first nor last and carries
        // no localKeyID, so only matching the public key finds it.
        LeafInMiddle,
    };

    enum class Validity { Valid, Expired };
    enum class KeyType { Rsa, EcP256 };

    // A certificate with its private key, signed by the CA.
    class Identity {
    public:
        [[nodiscard]] QByteArray certificatePem() const;
        [[nodiscard]] const QByteArray &certificateDer() const { return m_certificateDer; }
        [[nodiscard]] const QByteArray &keyPem() const { return m_keyPem; } // PKCS#8, unencrypted
        // Leaf first, then the CA: what x5c must carry.
        [[nodiscard]] QList<QByteArray> chainDer() const { return {m_certificateDer, m_caDer}; }
        [[nodiscard]] QSslCertificate certificate() const;
        [[nodiscard]] QSslKey key() const;

        // Certificate and key in one PEM file (key first when keyFirst, to show order does not matter).
        bool writePem(const QString &path, bool keyFirst = false) const;
        bool writeCertificatePem(const QString &path, bool withCa = false) const;
        bool writeKeyPem(const QString &path) const;
        // PKCS#8 "ENCRYPTED PRIVATE KEY" (AES-256-CBC).
        bool writeEncryptedKeyPem(const QString &path, const QString &password) const;
        // PKCS#12 with the CA cert; an empty password makes a PFX without password (no MAC, no
        // encryption) as Windows' "no password" exports.
        bool writePfx(const QString &path, const QString &password,
                      PfxLayout layout = PfxLayout::LeafFirst) const;
        // A PFX as OpenSSL 1.x and older Windows wrote it: certificates under RC2-40, the key under
        // 3DES. Made in a private OpenSSL context, so this process's default context does not
        // gain the legacy provider. False when the legacy provider is not installed.
        bool writeLegacyPfx(const QString &path, const QString &password) const;

    private:
        friend class TestPki;
        QByteArray m_certificateDer;
        QByteArray m_keyPem;
        QByteArray m_caDer;
        QByteArray m_otherDer; // an unrelated client certificate for PfxLayout::LeafInMiddle
        QSsl::KeyAlgorithm m_keyAlgorithm = QSsl::Rsa;
    };

    TestPki();

    [[nodiscard]] bool isValid() const { return m_valid; }
    [[nodiscard]] QString directory() const { return m_dir.path(); }
    [[nodiscard]] QString filePath(const QString &name) const { return m_dir.filePath(name); }

    [[nodiscard]] QSslCertificate caCertificate() const;
    [[nodiscard]] const QByteArray &caCertificateDer() const { return m_caDer; }
    [[nodiscard]] QString caCertificatePath() const { return filePath(QStringLiteral("ca.pem")); }

    // For localhost, 127.0.0.1 and ::1 (subjectAltName).
    [[nodiscard]] const Identity &server() const { return m_server; }
    [[nodiscard]] QSslCertificate serverCertificate() const { return m_server.certificate(); }
    [[nodiscard]] QSslKey serverKey() const { return m_server.key(); }
    [[nodiscard]] QString serverCertificatePath() const { return filePath(QStringLiteral("server.pem")); }
    [[nodiscard]] QString serverKeyPath() const { return filePath(QStringLiteral("server.key")); }
    // Signed by the same CA but only for wrong.example.invalid: hostname verification must fail.
    [[nodiscard]] const Identity &wrongNameServer() const { return m_wrongNameServer; }

    // A QSslServer configuration presenting the server (or wrong-name) certificate.
    [[nodiscard]] QSslConfiguration serverConfiguration(bool wrongName = false) const;
    // A client configuration that trusts only this CA and verifies the peer.
    [[nodiscard]] QSslConfiguration clientConfiguration() const;

    // A new client certificate (clientAuth) for e.g. "CN=app" or "CN=app,O=Test". Each call in an
    // instance uses a different RSA 2048 key (EcP256: a fresh P-256 key, for "unsupported key" tests).
    [[nodiscard]] Identity issueClient(const QString &subject, Validity validity = Validity::Valid,
                                       KeyType keyType = KeyType::Rsa);

    // Another certificate for localhost like server(), with a key of the given type (Rsa: server()'s
    // key), for listeners that must take EC keys too.
    [[nodiscard]] Identity issueServer(KeyType keyType);

    // A file that is neither PEM nor DER nor PKCS#12.
    bool writeGarbage(const QString &path) const;
    static bool writeFile(const QString &path, const QByteArray &contents);

private:
    Identity issue(const QString &subject, EVP_PKEY *key, bool server, const QStringList &altNames,
                   Validity validity);

    QTemporaryDir m_dir;
    QByteArray m_caDer;
    Identity m_server;
    Identity m_wrongNameServer;
    int m_nextClientKey = 0;
    bool m_valid = false;
};

} // namespace aap::test

// Test data rows pick the key type.
Q_DECLARE_METATYPE(aap::test::TestPki::KeyType)
