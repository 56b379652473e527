#pragma once

#include "config/ServiceConfig.h"
#include "proxy/ProxyRoute.h"

#include <QList>

namespace aap::proxy {

struct ProxyOptions {
    config::ListenerConfig listener;
    config::UpstreamConfig upstream;
    config::LimitsConfig limits;
    int workerThreads = 0; // 0 = QThread::idealThreadCount()
    QList<ProxyRoute> routes;
    config::OutboundProxyConfig outboundProxy;
    // Test hook, never set from configuration (see OutboundProxy::forRoute).
    bool loopbackBypassesProxy = true;
    // How often the listener certificate files are checked for a renewal.
    std::chrono::milliseconds certificateCheckInterval{10'000};
};

} // namespace aap::proxy
