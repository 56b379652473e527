// Response head parser + downstream rewriter: whole vs. incremental parsing agree, and the head sent
// to the client parses again with a consistent framing.
#include "http/HeadRewriter.h"
#include "http/RequestHeadParser.h"
#include "http/ResponseHeadParser.h"

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
    if (size < 1)
        return 0;
    // First byte picks the request the response answers.
    static const char *const requests[] = {
        "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.0\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: 1\r\n\r\n",
    };
    const char *requestText = requests[data[0] % 5];
    RequestHeadParser requestParser;
    RequestHead request;
    check(requestParser.parse(requestText, request).status == ParseStatus::Complete);

    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    Limits limits;
    limits.maxHeadBytes = 4096;
    limits.maxHeaderCount = 64;
    ResponseHeadParser parser(limits);
    ResponseHead head;
    const ParseResult whole = parser.parse(input, request.method(), head);
    check(whole.consumed <= input.size());

    ResponseHeadParser byteByByte(limits);
    ResponseHead slowHead;
    ParseResult slow;
    for (qsizetype n = 1; n <= input.size(); ++n) {
        slow = byteByByte.parse(input.first(n), request.method(), slowHead);
        if (slow.status != ParseStatus::Incomplete)
            break;
    }
    if (!input.isEmpty()) {
        check(slow.status == whole.status);
        check(slow.consumed == whole.consumed);
    }
    if (whole.status != ParseStatus::Complete)
        return 0;

    const ResponsePlan plan = HeadRewriter::planResponse(head, request, false);
    QByteArray downstream;
    HeadRewriter::appendDownstreamResponse(head, request, plan, downstream);
    Limits relaxed;
    relaxed.maxHeadBytes = 1 << 20;
    relaxed.maxHeaderCount = 1 << 20;
    ResponseHeadParser reparser(relaxed);
    ResponseHead rewritten;
    const ParseResult result = reparser.parse(downstream, request.method(), rewritten);
    check(result.status == ParseStatus::Complete);
    check(result.consumed == downstream.size());
    check(rewritten.status() == head.status());
    if (plan.body == DownstreamBody::Dechunk)
        check(rewritten.framing() == BodyFraming::UntilClose);
    else if (!head.isInterim())
        check(rewritten.framing() == head.framing());
    return 0;
}
