#pragma once

#include <QtGlobal>

#include <atomic>

namespace aap::proxy {

// An accepted descriptor on its way to a worker in a queued call. Qt drops a queued call whose
// receiver was deleted first (a worker that finished draining), and with it the only copy of the
// descriptor: this holder closes it then, unless the call ran and took it.
class PendingDescriptor {
public:
    explicit PendingDescriptor(qintptr descriptor) : m_descriptor(descriptor) {}
    PendingDescriptor(const PendingDescriptor &) = delete;
    PendingDescriptor &operator=(const PendingDescriptor &) = delete;
    PendingDescriptor(PendingDescriptor &&) = delete;
    PendingDescriptor &operator=(PendingDescriptor &&) = delete;
    ~PendingDescriptor();

    // The descriptor, now the caller's to close; -1 when taken before.
    [[nodiscard]] qintptr take();

private:
    // Made on the accepting thread, taken on the worker's, closed on whichever drops it last.
    std::atomic<qintptr> m_descriptor;
};

} // namespace aap::proxy
