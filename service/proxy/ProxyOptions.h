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
};

} // namespace aap::proxy
