#pragma once

#include "auth/TokenProvider.h"
#include "core/Clock.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <chrono>
#include <deque>
#include <functional>
#include <optional>

namespace aap::test {

// A TokenProvider whose answers the test decides. fetch() queues a pending request; the test
// completes the oldest one with succeed()/fail(). With an auto-responder set, every fetch is
// answered by it instead: at once (inside fetch(), to exercise re-entrancy) or after a latency on
// the clock.
class ScriptedTokenProvider final : public auth::TokenProvider {
    Q_OBJECT

public:
    using Responder = std::function<Result(const QString &resource)>;

    explicit ScriptedTokenProvider(Clock &clock, QString description = QStringLiteral("scripted (test)"),
                                   QObject *parent = nullptr);

    void fetch(const QString &resource, Completion done) override;
    [[nodiscard]] QString describe() const override { return m_description; }

    // Completes the oldest pending fetch with a token of value that expires lifetime from now.
    void succeed(const QByteArray &value, std::chrono::milliseconds lifetime,
                 std::optional<std::chrono::milliseconds> refreshIn = std::nullopt);
    void fail(const auth::TokenError &error);
    void complete(Result result);

    void setResponder(Responder responder, std::chrono::milliseconds latency = std::chrono::milliseconds{0});
    void clearResponder();

    [[nodiscard]] int fetchCount() const { return m_fetchCount; }
    [[nodiscard]] qsizetype pendingCount() const { return static_cast<qsizetype>(m_pending.size()); }
    [[nodiscard]] const QList<Clock::TimePoint> &fetchTimes() const { return m_fetchTimes; }
    [[nodiscard]] QString lastResource() const { return m_lastResource; }

    // Result builders for scripts and responders.
    [[nodiscard]] static auth::AccessToken
    token(const Clock &clock, const QByteArray &value, std::chrono::milliseconds lifetime,
          std::optional<std::chrono::milliseconds> refreshIn = std::nullopt);
    [[nodiscard]] static auth::TokenError
    httpError(int status, const QString &code, std::optional<std::chrono::seconds> retryAfter = std::nullopt,
              bool retryable = true);

private:
    Clock &m_clock;
    QString m_description;
    std::deque<Completion> m_pending;
    Responder m_responder;
    std::chrono::milliseconds m_latency{0};
    int m_fetchCount = 0;
    QList<Clock::TimePoint> m_fetchTimes;
    QString m_lastResource;
};

} // namespace aap::test
