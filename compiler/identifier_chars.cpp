// Identifier characters (compiler/identifier_chars.hpp): a strict UTF-8 decoder and binary
// searches in the generated XID_Start / XID_Continue range tables.
#include "compiler/identifier_chars.hpp"

#include <algorithm>
#include <iterator>

namespace exprvm {
namespace {

struct CodePointRange {
  char32_t first;
  char32_t last;
};

#include "compiler/identifier_tables.inc"

template <std::size_t N>
bool in_ranges(const CodePointRange (&ranges)[N], char32_t code_point) {
  const auto after = std::upper_bound(
      std::begin(ranges), std::end(ranges), code_point,
      [](char32_t value, const CodePointRange& range) { return value < range.first; });
  return after != std::begin(ranges) && code_point <= std::prev(after)->last;
}

bool is_ascii_letter(char32_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

}  // namespace

Utf8Char decode_utf8(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  if (lead < 0x80) return {lead, 1};
  std::uint32_t length = 0;
  char32_t code_point = 0;
  char32_t minimum = 0;  // the smallest code point that needs `length` bytes (no overlongs)
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code_point = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code_point = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code_point = lead & 0x07, minimum = 0x10000;
  } else {
    return {};
  }
  if (text.size() - at < length) return {};
  for (std::uint32_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[at + i]);
    if ((next & 0xC0) != 0x80) return {};
    code_point = (code_point << 6) | (next & 0x3F);
  }
  if (code_point < minimum || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF))
    return {};
  return {code_point, length};
}

bool is_identifier_start(char32_t code_point) {
  if (code_point < 0x80) return is_ascii_letter(code_point) || code_point == '_';
  return in_ranges(kIdentifierStartRanges, code_point);
}

bool is_identifier_continue(char32_t code_point) {
  if (code_point < 0x80)
    return is_ascii_letter(code_point) || code_point == '_' ||
           (code_point >= '0' && code_point <= '9');
  return in_ranges(kIdentifierContinueRanges, code_point);
}

std::size_t identifier_char_length(std::string_view text, std::size_t at, bool first) {
  if (at >= text.size()) return 0;
  const Utf8Char c = decode_utf8(text, at);
  if (c.length == 0) return 0;
  const bool accepted = first ? is_identifier_start(c.code_point)
                              : is_identifier_continue(c.code_point);
  return accepted ? c.length : 0;
}

std::size_t identifier_length(std::string_view text, std::size_t at) {
  const std::size_t first = identifier_char_length(text, at, true);
  return first == 0 ? 0 : first + identifier_continue_length(text, at + first);
}

std::size_t identifier_continue_length(std::string_view text, std::size_t at) {
  std::size_t end = at;
  while (const std::size_t length = identifier_char_length(text, end, false)) end += length;
  return end - at;
}

std::string code_point_name(char32_t code_point) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string digits;
  for (char32_t rest = code_point; rest != 0 || digits.size() < 4; rest >>= 4)
    digits.insert(digits.begin(), kHex[rest & 15]);
  return "U+" + digits;
}

}  // namespace exprvm
