// Identifier characters as Python defines them: a name starts with a letter or '_' (Unicode's
// XID_Start) and continues with XID_Continue characters, read from UTF-8 source. The non-ASCII
// ranges come from compiler/identifier_tables.inc (generated from Python's str.isidentifier).
// Names are compared as written: unlike Python, exprvm does not NFKC-normalise them (the
// Python module's name lookup falls back to the NFKC form, python/frame_lookup.cpp).
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 2  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: compiler/ may be included by compiler/, vm/, runtime/ and code above the library"
#endif
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace exprvm {

// One UTF-8 character: its code point and byte length; length 0 means the bytes at that
// position are not valid UTF-8 (a stray continuation byte, a truncated or overlong sequence,
// a surrogate or a value above U+10FFFF).
struct Utf8Char {
  char32_t code_point = 0;
  std::uint32_t length = 0;
};

// Decodes the character starting at byte `at` of `text` (at < text.size()).
Utf8Char decode_utf8(std::string_view text, std::size_t at);

bool is_identifier_start(char32_t code_point);     // XID_Start or '_'
bool is_identifier_continue(char32_t code_point);  // XID_Continue

// Byte length of the identifier character at `at` (0 when there is none, or at the end):
// a starting character when `first`, else a continuing one.
std::size_t identifier_char_length(std::string_view text, std::size_t at, bool first);

// Byte length of the identifier starting at `at` (0 when no identifier starts there).
std::size_t identifier_length(std::string_view text, std::size_t at);

// Byte length of the run of continuing identifier characters (XID_Continue) from `at` on.
std::size_t identifier_continue_length(std::string_view text, std::size_t at);

// "U+20AC" for a code point.
std::string code_point_name(char32_t code_point);

}  // namespace exprvm
