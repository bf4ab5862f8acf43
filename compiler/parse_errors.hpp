// The messages of exprvm::parse's errors (compiler/parser.cpp): where the grammar expected
// something else, each names what was found there (a keyword, a stray character, a
// malformed number, ...) and puts the caret on it.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 2  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: compiler/ may be included by compiler/, vm/, runtime/ and code above the library"
#endif
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace exprvm {

// The message for a Python keyword used where a name or operator was expected, or nullopt
// when `word` is not a keyword. `None` is not one here: it parses as a name (the value of
// axis=None), and the type checker rejects it elsewhere.
std::optional<std::string> keyword_message(std::string_view word);

// The errors of parsing one source (which must outlive this object); every method throws.
class ParseErrors {
 public:
  explicit ParseErrors(std::string_view source) : source_(source) {}

  // A Syntax Error with `message` and the caret under source[span].
  [[noreturn]] void fail(const std::string& message, Span span) const;

  // After the token at `last_token` (an operator, '(', ',' or '='), no expression starts at
  // `at`; names a likely cause ('+=', '&&', a stray character) when there is one.
  [[noreturn]] void fail_missing_operand(std::uint32_t at, Span last_token) const;
  // The '(' at `open_paren` is still open where ')' was expected at `at`.
  [[noreturn]] void fail_unclosed(std::uint32_t at, std::uint32_t open_paren) const;
  // Names what was found at `at` where an operator, ')' or the end of a statement was expected.
  [[noreturn]] void fail_unexpected(std::uint32_t at) const;
  // A control character, a non-ASCII character that is not a name character where it stands,
  // or bytes that are not UTF-8 at `at`; the caret covers the whole character.
  [[noreturn]] void fail_unexpected_character(std::uint32_t at) const;
  // The number literal starting at `number_start` runs into name characters at `at`, e.g.
  // "1abc" or "0x1F".
  [[noreturn]] void fail_invalid_number(std::uint32_t number_start, std::uint32_t at) const;
  // The integer literal at `literal` does not fit int64 (a Literal Error).
  [[noreturn]] void fail_int64_overflow(Span literal) const;

 private:
  std::string_view text(Span span) const {
    return source_.substr(span.begin, span.end - span.begin);
  }
  char char_at(std::uint32_t at) const { return at < source_.size() ? source_[at] : '\0'; }
  bool name_starts_at(std::uint32_t at) const;
  std::uint32_t name_end(std::uint32_t begin) const;

  std::string_view source_;
};

}  // namespace exprvm
