#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QLocalServer>
#include <QObject>
#include <QString>

class QLocalSocket;

namespace aap::test {

// A control socket speaking the protocol of docs/control-protocol.md with scripted answers, for
// configurator tests that need a service state the real one cannot be brought into quickly. As
// strict as the real server: hello first (major 1 only), unknown types refused, write operations
// refused unless allowed, pushes only to subscribers.
class FakeControlService : public QObject {
    Q_OBJECT

public:
    explicit FakeControlService(QObject *parent = nullptr);
    ~FakeControlService() override;

    bool listen(const QString &path);
    void close();

    void setCanWrite(bool canWrite) { m_canWrite = canWrite; }
    void setStatus(const QJsonObject &status) { m_status = status; }
    void setDiagnosis(const QJsonObject &answer) { m_diagnosis = answer; }
    void setApplyAnswer(const QJsonObject &answer) { m_applyAnswer = answer; }
    // Sends status.push with the current status to every subscriber.
    void pushStatus();

    [[nodiscard]] int refreshCount() const { return m_refreshes; }
    [[nodiscard]] const QList<QString> &appliedTexts() const { return m_applied; }
    [[nodiscard]] int subscriberCount() const;

private:
    struct Client {
        QByteArray buffer;
        bool helloDone = false;
        bool subscribed = false;
    };

    void onNewConnection();
    void onReadyRead(QLocalSocket *socket);
    void handle(QLocalSocket *socket, const QByteArray &json);
    static void send(QLocalSocket *socket, const QByteArray &json);

    QLocalServer m_server;
    QHash<QLocalSocket *, Client> m_clients;
    bool m_canWrite = true;
    QJsonObject m_status;
    QJsonObject m_diagnosis;
    QJsonObject m_applyAnswer;
    int m_refreshes = 0;
    QList<QString> m_applied;
};

} // namespace aap::test
