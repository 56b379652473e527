#include "proxy/MemoryReturn.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace aap::proxy {

void MemoryReturn::retainWhileBusy()
{
#if defined(__GLIBC__)
    ::mallopt(M_TRIM_THRESHOLD, static_cast<int>(kRetainedBytes));
#endif
}

void MemoryReturn::trim()
{
#if defined(__GLIBC__)
    // Also releases whole free pages inside the heap (madvise), not only its top.
    ::malloc_trim(0);
#endif
}

} // namespace aap::proxy
