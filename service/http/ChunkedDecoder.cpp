#include "http/ChunkedDecoder.h"

#include "http/HttpSyntax.h"

#include <algorithm>

namespace aap::http {

namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

ChunkedDecoder::ChunkedDecoder(Limits limits) : m_limits(limits) {}

void ChunkedDecoder::reset()
{
    *this = ChunkedDecoder(m_limits);
}

ParseResult ChunkedDecoder::fail(HttpError kind, const char *detail)
{
    reset();
    return ParseResult{ParseStatus::Error, 0, kind, QByteArray(detail)};
}

ParseResult ChunkedDecoder::decode(QByteArrayView input, QByteArrayView &payload)
{
    payload = QByteArrayView();
    const qsizetype size = input.size();
    qsizetype i = 0;
    while (i < size) {
        const char c = input[i];
        switch (m_state) {
        case State::Size: {
            const int digit = hexValue(c);
            if (digit >= 0) {
                if (m_remaining > (~quint64(0) >> 4))
                    return fail(HttpError::BadChunk, "chunk size overflows");
                m_remaining = (m_remaining << 4) | quint64(digit);
                ++m_sizeDigits;
            } else if (c == '\r' && m_sizeDigits > 0) {
                m_state = State::SizeLf;
            } else if ((c == ';' || syntax::isOws(c)) && m_sizeDigits > 0) {
                m_extensionStarted = c == ';';
                m_state = State::Extension;
            } else {
                return fail(HttpError::BadChunk, "chunk size is not hexadecimal");
            }
            if (++m_lineBytes > m_limits.maxChunkLineBytes)
                return fail(HttpError::BadChunk, "chunk-size line over the limit");
            ++i;
            break;
        }
        case State::Extension:
            // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ): skipped, only bounded and
            // kept free of control characters.
            if (c == '\r') {
                m_state = State::SizeLf;
            } else if (!m_extensionStarted) {
                if (c == ';')
                    m_extensionStarted = true;
                else if (!syntax::isOws(c))
                    return fail(HttpError::BadChunk, "garbage after the chunk size");
            } else if (!syntax::isFieldValueChar(c)) {
                return fail(HttpError::BadChunk, "control character in chunk extension");
            }
            if (++m_lineBytes > m_limits.maxChunkLineBytes)
                return fail(HttpError::BadChunk, "chunk-size line over the limit");
            ++i;
            break;
        case State::SizeLf:
            if (c != '\n')
                return fail(HttpError::BadChunk, "chunk-size line not ended by CRLF");
            ++i;
            m_lineBytes = 0;
            m_sizeDigits = 0;
            m_extensionStarted = false;
            if (m_remaining == 0) {
                // Returns here so a relay can tell the trailer section apart from the chunks.
                m_state = State::TrailerStart;
                return ParseResult{ParseStatus::Incomplete, i, HttpError::None, {}};
            }
            if (m_limits.maxBodyBytes != 0 && m_remaining > m_limits.maxBodyBytes - m_payloadBytes)
                return fail(HttpError::BodyTooLarge, "chunked body over the body limit");
            m_state = State::Data;
            break;
        case State::Data: {
            const auto take = qsizetype(std::min<quint64>(m_remaining, quint64(size - i)));
            payload = input.sliced(i, take);
            i += take;
            m_remaining -= quint64(take);
            m_payloadBytes += quint64(take);
            if (m_remaining == 0)
                m_state = State::DataCr;
            return ParseResult{ParseStatus::Incomplete, i, HttpError::None, {}};
        }
        case State::DataCr:
            if (c != '\r')
                return fail(HttpError::BadChunk, "chunk data not followed by CRLF");
            m_state = State::DataLf;
            ++i;
            break;
        case State::DataLf:
            if (c != '\n')
                return fail(HttpError::BadChunk, "chunk data not followed by CRLF");
            m_state = State::Size;
            ++i;
            break;
        case State::TrailerStart:
            if (c == '\r') {
                m_state = State::FinalLf;
                ++i;
                break;
            }
            if (syntax::isOws(c))
                return fail(HttpError::BadChunk, "obs-fold in trailer section");
            m_trailerNameDone = false;
            m_trailerNameLength = 0;
            m_state = State::Trailer;
            break; // the same byte is read again as the first byte of the field name
        case State::Trailer:
            if (++m_trailerBytes > m_limits.maxTrailerBytes)
                return fail(HttpError::BadChunk, "trailer section over the limit");
            if (!m_trailerNameDone) {
                if (c == ':') {
                    if (m_trailerNameLength == 0)
                        return fail(HttpError::BadChunk, "empty trailer field name");
                    m_trailerNameDone = true;
                } else if (syntax::isTchar(c)) {
                    ++m_trailerNameLength;
                } else {
                    return fail(HttpError::BadChunk, "malformed trailer field");
                }
            } else if (c == '\r') {
                m_state = State::TrailerLf;
            } else if (!syntax::isFieldValueChar(c)) {
                return fail(HttpError::BadChunk, "control character in trailer field");
            }
            ++i;
            break;
        case State::TrailerLf:
            if (c != '\n')
                return fail(HttpError::BadChunk, "trailer line not ended by CRLF");
            m_state = State::TrailerStart;
            ++i;
            break;
        case State::FinalLf:
            if (c != '\n')
                return fail(HttpError::BadChunk, "chunked body not ended by CRLF");
            m_state = State::Done;
            return ParseResult{ParseStatus::Complete, i + 1, HttpError::None, {}};
        case State::Done:
            return ParseResult{ParseStatus::Complete, i, HttpError::None, {}};
        }
    }
    if (m_state == State::Done)
        return ParseResult{ParseStatus::Complete, i, HttpError::None, {}};
    return ParseResult{ParseStatus::Incomplete, i, HttpError::None, {}};
}

} // namespace aap::http
