#pragma once

#include "protocol/FakeTokenServer.h"

#include <QString>

namespace aap::bench {

// An IMDS stand-in for benchmarks: answers every token request with the token in a file (read on
// each request, so the benchmark harness may write it after start-up), in IMDS's string-valued
// JSON shape. The strict request parsing of FakeTokenServer still applies.
class BenchTokenSource final : public test::FakeTokenServer {
    Q_OBJECT

public:
    explicit BenchTokenSource(QString tokenFile, QObject *parent = nullptr);

protected:
    Reply handle(const test::RecordedRequest &request) override;

private:
    QString m_tokenFile;
};

} // namespace aap::bench
