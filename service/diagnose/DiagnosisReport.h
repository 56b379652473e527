#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace aap::diagnose {

// One step of a diagnosis and its verdict, in plain words (never a token or secret).
struct DiagnosisStep {
    enum class Verdict { Pass, Fail, Skip };

    QString step;  // "config", "identity", "token", "target", "request"
    QString title; // "configuration", "identity source [route default]", ...
    Verdict verdict = Verdict::Skip;
    QString text;        // what was found, and when failing what to do
    QStringList details; // facts shown under the step (claims, certificate, ...)

    [[nodiscard]] static QString verdictName(Verdict verdict);
};

// The whole diagnosis: the steps in order; passed only when every step passed.
struct DiagnosisReport {
    QList<DiagnosisStep> steps;

    [[nodiscard]] bool passed() const;
    // The control protocol's diagnose answer (docs/control-protocol.md).
    [[nodiscard]] QJsonObject toJson() const;
    // One line per step: "PASS  configuration: ... (detail; detail)".
    [[nodiscard]] QString toText() const;
};

} // namespace aap::diagnose
