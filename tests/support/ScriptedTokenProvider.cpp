#include "support/ScriptedTokenProvider.h"

#include <gsl/assert>

#include <utility>

namespace aap::test {

ScriptedTokenProvider::ScriptedTokenProvider(Clock &clock, QString description, QObject *parent)
    : auth::TokenProvider(parent), m_clock(clock), m_description(std::move(description))
{}

void ScriptedTokenProvider::fetch(const QString &resource, Completion done)
{
    ++m_fetchCount;
    m_fetchTimes << m_clock.now();
    m_lastResource = resource;
    if (!m_responder) {
        m_pending.push_back(std::move(done));
        return;
    }
    if (m_latency <= std::chrono::milliseconds::zero()) {
        done(m_responder(resource));
        return;
    }
    m_clock.startTimer(m_latency, [this, resource, done = std::move(done)] { done(m_responder(resource)); });
}

void ScriptedTokenProvider::complete(Result result)
{
    Expects(!m_pending.empty());
    Completion done = std::move(m_pending.front());
    m_pending.pop_front();
    done(std::move(result));
}

void ScriptedTokenProvider::succeed(const QByteArray &value, std::chrono::milliseconds lifetime,
                                    std::optional<std::chrono::milliseconds> refreshIn)
{
    complete(token(m_clock, value, lifetime, refreshIn));
}

void ScriptedTokenProvider::fail(const auth::TokenError &error)
{
    complete(Unexpected(error));
}

void ScriptedTokenProvider::setResponder(Responder responder, std::chrono::milliseconds latency)
{
    m_responder = std::move(responder);
    m_latency = latency;
}

void ScriptedTokenProvider::clearResponder()
{
    m_responder = nullptr;
}

auth::AccessToken ScriptedTokenProvider::token(const Clock &clock, const QByteArray &value,
                                               std::chrono::milliseconds lifetime,
                                               std::optional<std::chrono::milliseconds> refreshIn)
{
    const auto now = clock.now();
    auth::AccessToken token;
    token.value = value;
    token.obtainedAt = now;
    token.expiresOn = now + lifetime;
    if (refreshIn) {
        token.refreshOn = now + *refreshIn;
    }
    return token;
}

auth::TokenError ScriptedTokenProvider::httpError(int status, const QString &code,
                                                  std::optional<std::chrono::seconds> retryAfter,
                                                  bool retryable)
{
    auth::TokenError error;
    error.kind = auth::TokenError::Kind::Http;
    error.httpStatus = status;
    error.code = code;
    error.description = QStringLiteral("scripted failure");
    error.retryAfter = retryAfter;
    error.retryable = retryable;
    return error;
}

} // namespace aap::test
