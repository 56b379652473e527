#include "ui/StatusPage.h"

#include "ipc/ControlClient.h"
#include "ipc/ControlEndpoint.h"
#include "ipc/MessageTypes.h"
#include "ui/RateChart.h"

#include <QCoreApplication>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace aap::configurator {

using namespace Qt::StringLiterals;
using std::chrono::seconds;

namespace {

enum RouteColumn {
    NameColumn,
    ReadyColumn,
    IdentityColumn,
    AudienceColumn,
    ExpiresColumn,
    NextColumn,
    ColumnCount
};

QString clockTime(const QDateTime &time)
{
    return time.isValid() ? time.toLocalTime().toString(u"HH:mm:ss"_s) : QString();
}

QString identityText(const StatusSnapshot::Route &route)
{
    QString text = route.identityKind;
    if (!route.identityId.isEmpty())
        text += u" "_s + route.identityId;
    if (!route.identitySource.isEmpty())
        text += u" via "_s + route.identitySource;
    return text;
}

QString resultText(const StatusSnapshot::Result &result)
{
    if (!result.known)
        return {};
    if (result.ok)
        return QCoreApplication::translate("aap::configurator::StatusPage", "token obtained at %1")
            .arg(clockTime(result.at));
    QString details;
    if (!result.code.isEmpty())
        details = result.code;
    if (result.httpStatus > 0)
        details +=
            (details.isEmpty() ? QString() : u", "_s) + u"HTTP "_s + QString::number(result.httpStatus);
    return result.text + (details.isEmpty() ? QString() : u" ("_s + details + u")"_s) + u" – "_s +
           clockTime(result.at);
}

} // namespace

StatusPage::StatusPage(ipc::ControlClient &client, gsl::not_null<const Clock *> clock, QWidget *parent)
    : QWidget(parent), m_client(client), m_clock(clock), m_connection(new QLabel(this)),
      m_routes(new QTreeWidget(this)), m_lastError(new QLabel(this)), m_chart(new RateChart(this)),
      m_events(new QTreeWidget(this)), m_refresh(new QPushButton(tr("&Refresh tokens now"), this)),
      m_diagnose(new QPushButton(tr("&Diagnose"), this)), m_actionResult(new QLabel(this)),
      m_diagnosis(new QTreeWidget(this))
{
    m_connection->setObjectName(u"connection"_s);
    m_connection->setWordWrap(true);
    m_connection->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_connection->setFrameShape(QFrame::StyledPanel);
    m_connection->setMargin(6);

    m_routes->setObjectName(u"routes"_s);
    m_routes->setRootIsDecorated(false);
    m_routes->setHeaderLabels({tr("Route"), tr("Ready"), tr("Identity"), tr("Audience"),
                               tr("Token expires in"), tr("Next refresh")});
    m_routes->header()->setStretchLastSection(true);
    m_routes->setWordWrap(true);
    m_routes->setMinimumHeight(5 * fontMetrics().height());

    m_lastError->setObjectName(u"lastError"_s);
    m_lastError->setWordWrap(true);
    m_lastError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette errorPalette = m_lastError->palette();
    errorPalette.setColor(QPalette::WindowText, QColor(0xa4, 0x00, 0x1d));
    m_lastError->setPalette(errorPalette);

    m_events->setObjectName(u"events"_s);
    m_events->setRootIsDecorated(false);
    m_events->setHeaderLabels({tr("Time"), tr("Identity"), tr("Event"), tr("Details")});
    m_events->header()->setStretchLastSection(true);

    m_diagnosis->setObjectName(u"diagnosis"_s);
    m_diagnosis->setHeaderLabels({tr("Step"), tr("Verdict")});
    m_diagnosis->setWordWrap(true);
    m_diagnosis->header()->setStretchLastSection(true);
    m_actionResult->setObjectName(u"actionResult"_s);
    m_actionResult->setWordWrap(true);

    auto *actions = new QHBoxLayout;
    actions->addWidget(m_refresh);
    actions->addWidget(m_diagnose);
    actions->addWidget(m_actionResult, 1);

    auto *routesBox = new QGroupBox(tr("Routes"), this);
    auto *routesLayout = new QVBoxLayout(routesBox);
    routesLayout->addWidget(m_routes);
    routesLayout->addWidget(m_lastError);

    auto *trafficBox = new QGroupBox(tr("Traffic (last minute)"), this);
    auto *trafficLayout = new QVBoxLayout(trafficBox);
    trafficLayout->addWidget(m_chart);

    auto *eventsBox = new QGroupBox(tr("Token events"), this);
    auto *eventsLayout = new QVBoxLayout(eventsBox);
    eventsLayout->addWidget(m_events);

    auto *diagnosisBox = new QGroupBox(tr("Diagnosis"), this);
    diagnosisBox->setObjectName(u"diagnosisBox"_s);
    auto *diagnosisLayout = new QVBoxLayout(diagnosisBox);
    diagnosisLayout->addWidget(m_diagnosis);
    diagnosisBox->hide();

    auto *lower = new QSplitter(Qt::Horizontal, this);
    lower->addWidget(trafficBox);
    lower->addWidget(eventsBox);
    lower->setChildrenCollapsible(false);
    lower->setStretchFactor(0, 2);
    lower->setStretchFactor(1, 3);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_connection);
    layout->addLayout(actions);
    layout->addWidget(routesBox, 1);
    layout->addWidget(lower, 2);
    layout->addWidget(diagnosisBox, 2);

    connect(m_refresh, &QPushButton::clicked, this, &StatusPage::refreshNow);
    connect(m_diagnose, &QPushButton::clicked, this, &StatusPage::diagnose);
    connect(&m_client, &ipc::ControlClient::stateChanged, this, &StatusPage::updateConnection);
    connect(&m_client, &ipc::ControlClient::connected, this, [this] {
        m_client.request(ipc::types::kStatus, {}, this, [this](const ipc::ControlClient::Result &answer) {
            if (answer)
                setStatus(*answer);
        });
    });
    connect(&m_client, &ipc::ControlClient::statusPushed, this, &StatusPage::setStatus);
    m_client.setSubscribed(true);

    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &StatusPage::tick);
    m_tick.start();
    updateConnection();
}

bool StatusPage::isConnected() const
{
    return m_client.state() == ipc::ControlClient::State::Connected;
}

QString StatusPage::connectionText() const
{
    return m_connection->text();
}

void StatusPage::updateConnection()
{
    using Problem = ipc::ControlClient::Problem;
    const bool connected = isConnected();
    QString text;
    if (connected) {
        const auto info = m_client.serviceInfo();
        text = tr("Connected to aad-auth-proxy %1 (process %2) at %3.")
                   .arg(info.serviceVersion)
                   .arg(info.pid)
                   .arg(m_client.serverName());
        if (!info.canWrite)
            text += u" "_s + tr("You may look but not change: join the group %1 to apply configurations "
                                "and refresh tokens.")
                                 .arg(ipc::ControlEndpoint::adminGroup());
    } else if (m_client.state() == ipc::ControlClient::State::Connecting &&
               m_client.problem() == Problem::None) {
        text = tr("Connecting to the service at %1…").arg(m_client.serverName());
    } else {
        switch (m_client.problem()) {
        case Problem::PermissionDenied:
            text =
                tr("Not connected: permission denied on %1. Join the group %2 (sudo usermod -aG %2 $USER), "
                   "then log in again.")
                    .arg(m_client.serverName(), ipc::ControlEndpoint::adminGroup());
            break;
        case Problem::NotRunning:
            text =
                tr("Not connected: the service is not running or is restarting (%1). The status returns by "
                   "itself when it runs again.")
                    .arg(m_client.problemText());
            break;
        case Problem::VersionMismatch:
            text = tr("Not connected: %1. Use the configurator of the same release as the service.")
                       .arg(m_client.problemText());
            break;
        case Problem::None:
        case Problem::ProtocolError:
        case Problem::Other:
            text = tr("Not connected: %1.").arg(m_client.problemText());
            break;
        }
        // Nothing from a service that is gone stays on screen as if it were current.
        m_snapshot = StatusSnapshot();
        fillRoutes();
        m_chart->setHistory({}, 0, 0);
        m_events->clear();
        m_actionResult->clear();
        findChild<QWidget *>(u"diagnosisBox"_s)->hide();
    }
    m_connection->setText(text);
    const auto icon = connected ? QStyle::SP_DialogApplyButton : QStyle::SP_MessageBoxWarning;
    m_connection->setToolTip(text);
    m_connection->setWindowIcon(style()->standardIcon(icon));
    QPalette palette = m_connection->palette();
    palette.setColor(QPalette::Window, connected ? QColor(0xe6, 0xf4, 0xea) : QColor(0xfd, 0xf0, 0xd5));
    m_connection->setAutoFillBackground(true);
    m_connection->setPalette(palette);
    m_refresh->setEnabled(connected && m_client.serviceInfo().canWrite);
    m_refresh->setToolTip(connected && !m_client.serviceInfo().canWrite
                              ? tr("Needs membership of %1").arg(ipc::ControlEndpoint::adminGroup())
                              : QString());
    m_diagnose->setEnabled(connected);
}

void StatusPage::setStatus(const QJsonObject &status)
{
    m_snapshot = StatusSnapshot::fromJson(status);
    fillRoutes();
    m_chart->setHistory(m_snapshot.history, m_snapshot.requestRate, m_snapshot.errorRate);

    m_events->clear();
    // Newest first: the last event is what an administrator looks for.
    for (qsizetype i = m_snapshot.events.size() - 1; i >= 0; --i) {
        const auto &event = m_snapshot.events.at(i);
        auto *item =
            new QTreeWidgetItem(m_events, {clockTime(event.at), event.identity, event.event, event.text});
        item->setToolTip(3, event.text);
        if (event.event == u"failed" || event.event == u"expired")
            item->setIcon(2, style()->standardIcon(QStyle::SP_MessageBoxWarning));
    }
    m_events->resizeColumnToContents(0);
    m_events->resizeColumnToContents(2);
}

void StatusPage::fillRoutes()
{
    m_routes->clear();
    QStringList errors;
    for (const auto &route : std::as_const(m_snapshot.routes)) {
        auto *item = new QTreeWidgetItem(m_routes);
        item->setText(NameColumn,
                      route.name +
                          (route.pathPrefix.isEmpty() ? QString() : u" ("_s + route.pathPrefix + u")"_s));
        item->setText(ReadyColumn, route.ready ? tr("ready") : tr("not ready"));
        item->setIcon(ReadyColumn, style()->standardIcon(route.ready ? QStyle::SP_DialogApplyButton
                                                                     : QStyle::SP_MessageBoxCritical));
        if (!route.ready && !route.readiness.isEmpty())
            item->setToolTip(ReadyColumn, route.readiness);
        item->setText(IdentityColumn, identityText(route));
        item->setText(AudienceColumn, route.audience);
        for (int column = 0; column < ColumnCount; ++column)
            item->setToolTip(column, resultText(route.lastResult));
        if (route.lastResult.known && !route.lastResult.ok)
            errors.append(tr("Route '%1': %2").arg(route.name, resultText(route.lastResult)));
    }
    m_lastError->setText(errors.isEmpty() ? QString() : tr("Last error – %1").arg(errors.join(u"\n"_s)));
    m_lastError->setVisible(!errors.isEmpty());
    tick();
    for (int column = 0; column < ColumnCount; ++column)
        m_routes->resizeColumnToContents(column);
}

QString StatusPage::countdown(seconds left)
{
    const bool expired = left.count() < 0;
    qint64 total = std::abs(left.count());
    const qint64 hours = total / 3600;
    const qint64 minutes = (total % 3600) / 60;
    const qint64 secs = total % 60;
    QString text;
    if (hours > 0)
        text = tr("%1 h %2 min %3 s")
                   .arg(hours)
                   .arg(minutes, 2, 10, QLatin1Char('0'))
                   .arg(secs, 2, 10, QLatin1Char('0'));
    else if (minutes > 0)
        text = tr("%1 min %2 s").arg(minutes).arg(secs, 2, 10, QLatin1Char('0'));
    else
        text = tr("%1 s").arg(secs);
    return expired ? tr("expired %1 ago").arg(text) : text;
}

void StatusPage::tick()
{
    const qint64 now = std::chrono::duration_cast<seconds>(m_clock->now().time_since_epoch()).count();
    for (int i = 0; i < m_routes->topLevelItemCount() && i < m_snapshot.routes.size(); ++i) {
        const auto &route = m_snapshot.routes.at(i);
        QTreeWidgetItem *item = m_routes->topLevelItem(i);
        item->setText(ExpiresColumn, route.expiresOn.isValid()
                                         ? countdown(seconds{route.expiresOn.toSecsSinceEpoch() - now})
                                         : tr("no token"));
        item->setText(NextColumn, route.nextRefresh.isValid()
                                      ? tr("%1 (in %2)")
                                            .arg(clockTime(route.nextRefresh),
                                                 countdown(seconds{std::max<qint64>(
                                                     0, route.nextRefresh.toSecsSinceEpoch() - now)}))
                                      : QString());
    }
}

QString StatusPage::routeText(const QString &route, const QString &column) const
{
    static const QStringList columns{u"name"_s,     u"ready"_s,   u"identity"_s,
                                     u"audience"_s, u"expires"_s, u"next refresh"_s};
    const int index = static_cast<int>(columns.indexOf(column));
    for (int i = 0; i < m_routes->topLevelItemCount() && i < m_snapshot.routes.size(); ++i) {
        if (m_snapshot.routes.at(i).name == route && index >= 0)
            return m_routes->topLevelItem(i)->text(index);
    }
    return {};
}

QString StatusPage::lastErrorText() const
{
    return m_lastError->text();
}

void StatusPage::refreshNow()
{
    m_actionResult->setText(tr("Refreshing…"));
    m_client.request(ipc::types::kRefresh, {}, this, [this](const ipc::ControlClient::Result &answer) {
        m_actionResult->setText(answer ? tr("Refresh requested; the result shows in the routes above.")
                                       : tr("Refresh failed: %1").arg(answer.error().message));
    });
}

void StatusPage::diagnose()
{
    m_actionResult->setText(tr("Diagnosing… (this takes a few seconds)"));
    m_diagnose->setEnabled(false);
    m_client.request(
        ipc::types::kDiagnose, {}, this,
        [this](const ipc::ControlClient::Result &answer) {
            m_diagnose->setEnabled(isConnected());
            m_diagnosis->clear();
            findChild<QWidget *>(u"diagnosisBox"_s)->show();
            if (!answer) {
                m_actionResult->setText(tr("Diagnosis failed: %1").arg(answer.error().message));
                return;
            }
            const bool passed = answer->value(u"passed"_s).toBool();
            m_actionResult->setText(passed ? tr("Diagnosis: every step passed.")
                                           : tr("Diagnosis: a step failed; see below."));
            for (const QJsonValue value : answer->value(u"steps"_s).toArray()) {
                const QJsonObject step = value.toObject();
                const QString verdict = step.value(u"verdict"_s).toString();
                auto *item =
                    new QTreeWidgetItem(m_diagnosis, {step.value(u"title"_s).toString(),
                                                      verdict + u": "_s + step.value(u"text"_s).toString()});
                const auto icon = verdict == u"pass"   ? QStyle::SP_DialogApplyButton
                                  : verdict == u"fail" ? QStyle::SP_MessageBoxCritical
                                                       : QStyle::SP_MessageBoxInformation;
                item->setIcon(0, style()->standardIcon(icon));
                for (const QJsonValue detail : step.value(u"details"_s).toArray())
                    new QTreeWidgetItem(item, {QString(), detail.toString()});
                item->setExpanded(verdict == u"fail");
            }
            m_diagnosis->resizeColumnToContents(0);
            Q_EMIT diagnosisShown();
        },
        std::chrono::seconds{60});
}

} // namespace aap::configurator
