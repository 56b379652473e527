#include "app/StatusLine.h"

#include <algorithm>
#include <optional>

namespace aap::app {

using namespace Qt::StringLiterals;

namespace {

QString withError(const status::TokenStatus &token)
{
    const QString from = token.source.isEmpty() ? token.identityName : token.source;
    return token.lastError ? from + u": "_s + token.lastError->summary() : from;
}

QString waitingFor(const status::TokenStatus &token)
{
    using State = status::TokenStatus::State;
    switch (token.state) {
    case State::Acquiring:
        return u"waiting for the first token from "_s + withError(token);
    case State::Failing:
        return u"waiting for the first token: "_s + withError(token);
    case State::Expired:
        return u"token expired, refresh failing: "_s + withError(token);
    case State::Stopped:
        return u"token refresh stopped"_s;
    case State::Valid:
    case State::Refreshing:
        break;
    }
    return {};
}

} // namespace

QString StatusLine::describe(int routes, const QString &listener, const QList<status::TokenStatus> &tokens,
                             const QDateTime &now)
{
    std::optional<qint64> shortest;
    for (const status::TokenStatus &token : tokens) {
        if (!token.hasToken()) {
            return waitingFor(token);
        }
        const QDateTime until = token.usableUntil.isValid() ? token.usableUntil : token.expiresOn;
        if (until.isValid()) {
            const qint64 minutes = std::max<qint64>(0, now.secsTo(until) / 60);
            shortest = shortest ? std::min(*shortest, minutes) : minutes;
        }
    }
    QString text = u"ready: %1 %2 on %3"_s.arg(routes).arg(routes == 1 ? u"route"_s : u"routes"_s, listener);
    if (shortest) {
        text += u", token valid %1 min"_s.arg(*shortest);
    }
    return text;
}

} // namespace aap::app
