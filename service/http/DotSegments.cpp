#include "http/DotSegments.h"

#include <algorithm>

namespace aap::http {

namespace {

// One path character after decoding the encodings that matter here; `length` bytes were used.
struct Decoded {
    char character;
    qsizetype length;
};

Decoded decodeAt(QByteArrayView path, qsizetype at)
{
    if (path[at] == '%' && at + 2 < path.size()) {
        const char high = path[at + 1];
        const char low = static_cast<char>(path[at + 2] | 0x20);
        if (high == '2' && low == 'e') {
            return {'.', 3};
        }
        if (high == '2' && low == 'f') {
            return {'/', 3};
        }
    }
    return {path[at], 1};
}

} // namespace

bool DotSegments::climbAbovePrefix(QByteArrayView path, qsizetype prefixLength)
{
    qsizetype at = std::clamp<qsizetype>(prefixLength, 0, path.size());
    int depth = 0;
    // Each segment: count its characters and its dots until the next '/'.
    bool first = true;
    while (at < path.size()) {
        int dots = 0;
        int others = 0;
        while (at < path.size()) {
            const Decoded decoded = decodeAt(path, at);
            at += decoded.length;
            if (decoded.character == '/') {
                break;
            }
            if (decoded.character == '.') {
                ++dots;
            } else {
                ++others;
            }
        }
        const bool empty = dots == 0 && others == 0;
        if (others == 0 && dots == 2) {
            if (--depth < 0) {
                return true;
            }
        } else if (others == 0 && dots == 1) {
            // "." stays where it is.
        } else if (!(empty && first)) {
            // The slash that ends the prefix is not a segment of its own; later empty ones are.
            ++depth;
        }
        first = false;
    }
    return false;
}

} // namespace aap::http
