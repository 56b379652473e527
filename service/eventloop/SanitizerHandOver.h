#pragma once

// ThreadSanitizer cannot see the synchronisation inside Debian's Qt, which is not built with it:
// the mutex under which QCoreApplication::postEvent() queues an event and wakes the target thread's
// dispatcher, and the wait condition behind QThread::wait(). These two calls tell it about the
// hand-overs Qt guarantees and our code leans on; they are nothing in other builds.
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace aap::eventloop {

// What this thread did so far happens before what follows handOverAcquire(key) on another thread.
inline void handOverRelease([[maybe_unused]] const void *key)
{
#if defined(__SANITIZE_THREAD__)
    __tsan_release(const_cast<void *>(key)); // NOLINT(cppcoreguidelines-pro-type-const-cast)
#endif
}

inline void handOverAcquire([[maybe_unused]] const void *key)
{
#if defined(__SANITIZE_THREAD__)
    __tsan_acquire(const_cast<void *>(key)); // NOLINT(cppcoreguidelines-pro-type-const-cast)
#endif
}

} // namespace aap::eventloop
