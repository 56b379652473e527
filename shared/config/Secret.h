#pragma once

#include <QByteArray>
#include <QString>

namespace aap::config {

// A value that must never be printed: no QDebug operator, no implicit conversion. Read it with
// reveal() only where it is sent on the wire; print it with redacted().
class Secret {
public:
    Secret() = default;
    explicit Secret(QString value) : m_value(std::move(value)) {}

    [[nodiscard]] bool isEmpty() const { return m_value.isEmpty(); }
    [[nodiscard]] const QString &reveal() const { return m_value; }
    [[nodiscard]] QString redacted() const
    {
        return m_value.isEmpty() ? QString() : QStringLiteral("<redacted>");
    }

    friend bool operator==(const Secret &, const Secret &) = default;

private:
    QString m_value;
};

} // namespace aap::config
