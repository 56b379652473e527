#include "diagnose/DiagnosisReport.h"

#include <QJsonArray>

#include <algorithm>

namespace aap::diagnose {

using namespace Qt::StringLiterals;

QString DiagnosisStep::verdictName(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Pass:
        return u"pass"_s;
    case Verdict::Fail:
        return u"fail"_s;
    case Verdict::Skip:
        return u"skip"_s;
    }
    return u"skip"_s;
}

bool DiagnosisReport::passed() const
{
    return !steps.isEmpty() && std::all_of(steps.begin(), steps.end(), [](const DiagnosisStep &step) {
        return step.verdict == DiagnosisStep::Verdict::Pass;
    });
}

QJsonObject DiagnosisReport::toJson() const
{
    QJsonArray array;
    for (const DiagnosisStep &step : steps) {
        array.append(QJsonObject{{u"step"_s, step.step},
                                 {u"title"_s, step.title},
                                 {u"verdict"_s, DiagnosisStep::verdictName(step.verdict)},
                                 {u"text"_s, step.text},
                                 {u"details"_s, QJsonArray::fromStringList(step.details)}});
    }
    return QJsonObject{{u"passed"_s, passed()}, {u"steps"_s, array}};
}

QString DiagnosisReport::toText() const
{
    QString out;
    for (const DiagnosisStep &step : steps) {
        out +=
            DiagnosisStep::verdictName(step.verdict).toUpper() + u"  "_s + step.title + u": "_s + step.text;
        if (!step.details.isEmpty())
            out += u" ("_s + step.details.join(u"; "_s) + u')';
        out += u'\n';
    }
    return out;
}

} // namespace aap::diagnose
