#pragma once

#include "config/ServiceConfig.h"

namespace aap::auth {
class TokenStore;
}

namespace aap::proxy {

// One route as the data path needs it: where to send matching requests and whose token to add.
struct ProxyRoute {
    config::RouteConfig config;
    auth::TokenStore *store = nullptr; // not owned; outlives the ProxyServer
};

} // namespace aap::proxy
