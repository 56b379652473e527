// Request head parser + upstream rewriter. Invariants checked:
// - parsing the whole input and parsing it in growing prefixes give the same verdict;
// - a Complete head never consumes more than it was given;
// - the rewritten upstream head is itself a valid, complete request of the same framing.
#include "http/HeadRewriter.h"
#include "http/RequestHeadParser.h"

#include <cstdint>
#include <cstdlib>

using namespace aap::http;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));
    Limits limits;
    limits.maxHeadBytes = 4096;
    limits.maxTargetBytes = 1024;
    limits.maxHeaderCount = 64;

    RequestHeadParser parser(limits);
    RequestHead head;
    const ParseResult whole = parser.parse(input, head);
    check(whole.consumed <= input.size());

    // The same bytes in growing prefixes, as a socket may deliver them.
    RequestHeadParser incremental(limits);
    RequestHead incrementalHead;
    ParseResult pieces;
    const qsizetype step = size > 0 ? qsizetype(data[0] % 7) + 1 : 1;
    qsizetype fed = 0;
    do {
        fed = std::min(fed + step, input.size());
        pieces = incremental.parse(input.first(fed), incrementalHead);
    } while (pieces.status == ParseStatus::Incomplete && fed < input.size());
    // Error kinds may differ (an early over-limit answer versus a later syntax error), the verdict not.
    check(pieces.status == whole.status);
    if (whole.status != ParseStatus::Complete)
        return 0;
    check(pieces.consumed == whole.consumed);

    UpstreamTarget target;
    target.host = "upstream.example";
    target.basePath = "/base";
    const HeadRewriter rewriter(target);
    QByteArray upstream;
    rewriter.appendUpstreamRequest(head, "Bearer x", "192.0.2.1", "http", upstream);

    RequestHead rewritten;
    Limits relaxed = limits;
    relaxed.maxHeadBytes = 1 << 20;
    relaxed.maxTargetBytes = 1 << 20;
    relaxed.maxHeaderCount = 1 << 20;
    RequestHeadParser reparser(relaxed);
    const ParseResult result = reparser.parse(upstream, rewritten);
    check(result.status == ParseStatus::Complete);
    check(result.consumed == upstream.size());
    check(rewritten.framing() == head.framing());
    check(rewritten.contentLength() == head.contentLength());
    check(rewritten.keepAlive());
    check(rewritten.method() == head.method());
    return 0;
}
