#pragma once

#include <QString>

namespace aap::auth {

// Why a certificate credential could not be loaded or used. `message` is operator-facing, names
// the file and never contains key material or passwords.
struct CredentialError {
    QString file;
    QString message;
};

} // namespace aap::auth
