#include "support/ProviderTestKit.h"

namespace aap::test {

std::shared_ptr<ProviderTestKit::Outcome> ProviderTestKit::fetchNow(auth::TokenProvider &provider,
                                                                    const QString &audience)
{
    auto outcome = std::make_shared<Outcome>();
    provider.fetch(audience, [outcome](auth::TokenProvider::Result result) {
        outcome->result.emplace(std::move(result));
    });
    return outcome;
}

QString ProviderTestKit::errorText(const auth::TokenProvider::Result &result)
{
    return result.has_value() ? QString() : result.error().description;
}

} // namespace aap::test
