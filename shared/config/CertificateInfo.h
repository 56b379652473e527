#pragma once

#include <QDateTime>
#include <QString>

namespace aap::config {

// What an administrator needs to know about a client or listener certificate file before the
// service uses it. Never holds key material or a password.
struct CertificateInfo {
    enum class Format { Unreadable, Pem, Pfx };
    enum class Key {
        Matching, // a private key that belongs to the certificate
        Missing,  // no private key in the file (nor in the key file)
        Mismatch, // a private key of another certificate
        Locked,   // encrypted: needs the (right) password
    };

    Format format = Format::Unreadable;
    bool passwordRequired = false; // the PFX or the PEM key is protected by a password
    bool passwordAccepted = false; // ... and the given password opened it
    bool certificateRead = false;  // subject and the fields below are known
    QString subject;               // RFC 2253: "CN=app,O=Contoso"
    QString issuer;
    QString thumbprint; // SHA-1 of the DER, upper-case hex: what the Azure portal lists
    QDateTime notBefore;
    QDateTime notAfter;
    Key key = Key::Missing;
    QString problem; // plain words; empty when the service can use the file

    [[nodiscard]] bool usable() const { return problem.isEmpty(); }
};

} // namespace aap::config
