#include "app/ServiceRunner.h"

#include "auth/ProviderFactory.h"
#include "auth/TokenManager.h"
#include "auth/providers/TokenHttpClient.h"
#include "log/LogField.h"
#include "log/Logging.h"
#include "platform/SignalHandler.h"
#include "proxy/ProxyServer.h"

namespace aap::app {

using namespace Qt::StringLiterals;

ServiceRunner::ServiceRunner(config::ServiceConfig config, const QProcessEnvironment &environment,
                             QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_environment(environment)
{}

ServiceRunner::~ServiceRunner()
{
    // The proxy reads the token stores: stop it before the token manager goes.
    m_proxy.reset();
    m_tokens.reset();
}

Expected<void, QString> ServiceRunner::start()
{
    m_http = std::make_unique<auth::TokenHttpClient>(
        m_clock, auth::TokenHttpClient::Options::fromConfig(m_config, m_environment));

    const auth::ProviderFactory factory(m_environment, m_clock, *m_http);
    auto tokens =
        auth::TokenManager::create(m_clock, m_config, [&factory](const config::IdentityConfig &identity) {
            return factory.create(identity);
        });
    if (!tokens)
        return Unexpected(tokens.error());
    m_tokens = std::move(*tokens);

    proxy::ProxyOptions options;
    options.listener = m_config.listener;
    options.upstream = m_config.upstream;
    options.limits = m_config.limits;
    options.workerThreads = m_config.workerThreads;
    options.outboundProxy = m_config.outboundProxy;
    for (const config::RouteConfig &route : std::as_const(m_config.routes))
        options.routes.append(proxy::ProxyRoute{route, m_tokens->storeFor(route.name)});
    m_proxy = std::make_unique<proxy::ProxyServer>(std::move(options), m_clock);
    if (auto started = m_proxy->start(); !started)
        return Unexpected(started.error());

    m_signals = std::make_unique<platform::SignalHandler>();
    connect(m_signals.get(), &platform::SignalHandler::terminationRequested, this, [this](int signalNumber) {
        qCInfo(lcApp).noquote() << "shutdown requested" << log::LogField::kv("signal", signalNumber);
        shutdown();
    });
    m_signals->install();

    m_tokens->start();
    qCInfo(lcApp).noquote() << "service started"
                            << log::LogField::kv("address", m_config.listener.address.toString())
                            << log::LogField::kv("port", m_proxy->port())
                            << log::LogField::kv("workers", m_proxy->workerCount())
                            << log::LogField::kv("routes", m_config.routes.size());
    return {};
}

void ServiceRunner::shutdown()
{
    if (m_stopping)
        return;
    m_stopping = true;
    m_proxy->drain([this] {
        m_tokens->stop();
        qCInfo(lcApp).noquote() << "service stopped";
        Q_EMIT finished(0);
    });
}

} // namespace aap::app
