#pragma once

#include "config/ServiceConfig.h"
#include "status/TokenStatus.h"

#include <QList>
#include <QPair>
#include <QString>

#include <cstdint>
#include <functional>

namespace aap::control {

// Request counters as the control socket reports them (totals since start).
struct CounterTotals {
    std::uint64_t requests = 0;
    std::uint64_t forwarded = 0;
    std::uint64_t localReplies = 0;
    std::uint64_t errors = 0;
    std::int64_t activeConnections = 0;
    QList<QPair<QString, std::uint64_t>> errorsByKind; // the kinds seen so far, in a fixed order
};

// What the control socket reads from the running service. The runner fills it with functions over
// its current token manager and proxy, so a reload that replaces them needs no change here. Every
// function reads state the service keeps anyway (token status copies, relaxed atomics) and never
// takes a lock that the request path takes.
struct ServiceView {
    std::function<config::ServiceConfig()> config;
    std::function<QList<status::TokenStatus>()> tokens;
    std::function<CounterTotals()> counters;
    std::function<quint16()> port;
    std::function<bool()> draining;
    // Operator actions on the running service.
    std::function<void()> refreshNow;
};

} // namespace aap::control
