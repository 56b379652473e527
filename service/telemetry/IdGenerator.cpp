#include "telemetry/IdGenerator.h"

#include <QRandomGenerator>

namespace aap::telemetry {

IdGenerator::IdGenerator() : m_state(QRandomGenerator::system()->generate64()) {}

} // namespace aap::telemetry
