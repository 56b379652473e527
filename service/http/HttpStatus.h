#pragma once

#include "http/HttpTypes.h"

#include <QByteArray>

namespace aap::http {

// The status code a local error reply uses for a parse error (BadResponse -> 502).
int statusCodeFor(HttpError error);

// The standard reason phrase for a status code ("Bad Request"), "Unknown" for unregistered codes.
QByteArray reasonPhrase(int status);

} // namespace aap::http
