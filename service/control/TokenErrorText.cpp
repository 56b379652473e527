#include "control/TokenErrorText.h"

namespace aap::control {

using namespace Qt::StringLiterals;

namespace {

struct KnownCode {
    QLatin1String code; // an AADSTS number in the description, or an OAuth error code
    QLatin1String text;
};

// The Entra ID errors administrators meet most, checked in this order against the description
// (AADSTS numbers) and then the error code.
constexpr KnownCode kKnown[] = {
    {QLatin1String("AADSTS7000215"),
     QLatin1String(
         "the client secret is wrong: copy the secret's value (not its id) from the app registration")},
    {QLatin1String("AADSTS7000222"),
     QLatin1String("the client secret has expired: create a new one in the app registration")},
    {QLatin1String("AADSTS700027"),
     QLatin1String("the certificate is not registered for this app: upload it under Certificates & secrets")},
    {QLatin1String("AADSTS700016"),
     QLatin1String("no app with this client id exists in the tenant: check the client id and tenant id")},
    {QLatin1String("AADSTS90002"), QLatin1String("the tenant does not exist: check the tenant id")},
    {QLatin1String("AADSTS500011"), QLatin1String("the audience names a resource the tenant does not know: "
                                                  "check the audience (e.g. https://monitor.azure.com)")},
    {QLatin1String("AADSTS70021"), QLatin1String("no federated credential matches the presented token: check "
                                                 "the issuer and subject of the federated credential")},
    {QLatin1String("invalid_client"), QLatin1String("the token service refused the client credentials: check "
                                                    "the secret or certificate and the client id")},
    {QLatin1String("unauthorized_client"),
     QLatin1String("the app may not use this way of signing in: check the app registration")},
    {QLatin1String("invalid_resource"),
     QLatin1String("the audience is not valid for this tenant: check the audience")},
    {QLatin1String("invalid_scope"),
     QLatin1String(
         "the audience is not valid: check the audience (a resource like https://monitor.azure.com)")},
};

} // namespace

QString TokenErrorText::explain(const status::TokenErrorInfo &error)
{
    for (const KnownCode &known : kKnown) {
        if (error.description.contains(known.code) || error.code == known.code)
            return known.text;
    }
    if (error.kind == u"transport"_s)
        return u"the identity endpoint could not be reached: check that this machine runs in Azure (or Arc) and that nothing blocks the endpoint"_s;
    if (error.kind == u"timeout"_s)
        return u"the identity endpoint did not answer in time: it may be overloaded or blocked; the service retries"_s;
    if (error.kind == u"local_file"_s || error.kind == u"config"_s)
        return u"a credential file could not be used: %1"_s.arg(error.description);
    if (error.kind == u"identity"_s || error.httpStatus == 400)
        return u"the identity was not found: check that the managed identity (client id, object id or resource id) is assigned to this machine"_s;
    if (error.kind == u"malformed"_s)
        return u"the token service sent an answer the service cannot read; the service retries"_s;
    if (error.httpStatus >= 500)
        return u"the token service failed (HTTP %1); the service retries"_s.arg(error.httpStatus);
    if (error.httpStatus == 401 || error.httpStatus == 403)
        return u"the token service refused the request (HTTP %1): check the identity's credentials"_s.arg(
            error.httpStatus);
    return error.summary();
}

} // namespace aap::control
