// The workers' allocator policy: while busy an arena keeps freed heap at its top (below 128 KiB
// glibc gave back every freed 64 KiB receive buffer, and the next one faulted its pages in again);
// an explicit trim still gives it all back.
#include "proxy/MemoryReturn.h"

#include <QObject>
#include <QTest>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

// A sanitizer's allocator stands in for glibc's: neither mallopt() nor mallinfo2() reach it.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define AAP_GLIBC_MALLOC 0
#elif defined(__GLIBC__)
#define AAP_GLIBC_MALLOC 1
#else
#define AAP_GLIBC_MALLOC 0
#endif

#include <cstdlib>
#include <vector>

using aap::proxy::MemoryReturn;

class tst_MemoryReturn : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void freedBuffersStayUntilTrimmed()
    {
#if AAP_GLIBC_MALLOC
        MemoryReturn::retainWhileBusy();
        // 64 blocks of 64 KiB: below the mmap threshold, so from this thread's arena, and freed
        // last-first so they merge into its top.
        constexpr std::size_t kBlock = std::size_t{64} * 1024;
        std::vector<void *> blocks;
        for (int i = 0; i < 64; ++i) {
            void *block = std::malloc(kBlock);
            QVERIFY(block != nullptr);
            static_cast<char *>(block)[0] = 1;
            blocks.push_back(block);
        }
        while (!blocks.empty()) {
            std::free(blocks.back());
            blocks.pop_back();
        }
        const std::size_t kept = ::mallinfo2().keepcost;
        QVERIFY2(kept >= 3 * 1024 * 1024, QByteArray::number(static_cast<qulonglong>(kept)).constData());
        MemoryReturn::trim();
        const std::size_t left = ::mallinfo2().keepcost;
        QVERIFY2(left < 1024 * 1024, QByteArray::number(static_cast<qulonglong>(left)).constData());
#else
        QSKIP("the policy is glibc's allocator's");
#endif
    }
};

QTEST_GUILESS_MAIN(tst_MemoryReturn)
#include "tst_MemoryReturn.moc"
