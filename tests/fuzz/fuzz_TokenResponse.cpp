// Token-response parser: any body parses to a token or an error value; a parsed token is never
// empty, and an error body always yields an Http error carrying the status.
#include "auth/providers/TokenResponseParser.h"

#include <cstdint>
#include <cstdlib>

using aap::auth::TokenResponseParser;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray body(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    // A fixed "now" keeps every run reproducible.
    const TokenResponseParser::TimePoint now{std::chrono::seconds(1'700'000'000)};
    const auto token = TokenResponseParser::parseToken(body, now);
    if (token)
        check(!token->token.value.isEmpty() && token->token.obtainedAt == now);
    const int status = 400 + static_cast<int>(size % 200);
    const auto error = TokenResponseParser::parseError(status, body, std::chrono::seconds(3));
    check(error.httpStatus == status);
    return 0;
}
