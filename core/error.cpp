// Error kinds, caret excerpts and line/column computation for exprvm::Error.
#include "core/error.hpp"

#include <algorithm>

namespace exprvm {
namespace {

// Source lines longer than this are shown as a window around the span.
constexpr std::size_t kMaxExcerptWidth = 120;
// How much of the line before the span such a window keeps.
constexpr std::size_t kWindowLead = 40;

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

struct LineRange {
  std::size_t begin;
  std::size_t end;  // excludes the '\n' and a '\r' before it
};

// The line of `source` that contains byte `offset` (offset may be source.size()).
LineRange line_around(std::string_view source, std::size_t offset) {
  const std::size_t newline_before =
      offset == 0 ? std::string_view::npos : source.rfind('\n', offset - 1);
  const std::size_t begin = newline_before == std::string_view::npos ? 0 : newline_before + 1;
  std::size_t end = source.find('\n', offset);
  if (end == std::string_view::npos) end = source.size();
  if (end > begin && source[end - 1] == '\r') --end;
  return {begin, std::max(end, std::min(offset, source.size()))};
}

std::string with_excerpt(const std::string& message, std::string_view source, Span span) {
  return message + "\n" + caret_excerpt(source, span);
}

}  // namespace

std::string_view error_kind_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::Syntax: return "syntax error";
    case ErrorKind::Name: return "name error";
    case ErrorKind::Function: return "function error";
    case ErrorKind::Literal: return "literal error";
    case ErrorKind::Type: return "type error";
    case ErrorKind::Reduction: return "reduction error";
    case ErrorKind::Cast: return "cast error";
    case ErrorKind::Shape: return "shape error";
    case ErrorKind::Argument: return "argument error";
    case ErrorKind::Internal: return "internal error";
  }
  return "internal error";
}

Error::Error(ErrorKind kind, const std::string& message)
    : std::runtime_error(message), kind_(kind), message_(message) {}

Error::Error(ErrorKind kind, const std::string& message, std::string_view source, Span span)
    : std::runtime_error(with_excerpt(message, source, span)),
      kind_(kind),
      message_(message),
      has_position_(true),
      span_(span) {
  const std::size_t offset = std::min<std::size_t>(span.begin, source.size());
  const std::string_view before = source.substr(0, offset);
  line_ = static_cast<std::uint32_t>(std::count(before.begin(), before.end(), '\n') + 1);
  // Columns count characters, not bytes: UTF-8 continuation bytes take no column.
  const std::size_t line_begin = line_around(source, offset).begin;
  const std::string_view on_line_before = source.substr(line_begin, offset - line_begin);
  column_ = static_cast<std::uint32_t>(
      1 + std::count_if(on_line_before.begin(), on_line_before.end(),
                        [](char c) { return !is_utf8_continuation(c); }));
}

// Two lines, each indented by two spaces: the source line holding span.begin (a window of it
// when it is very long, with "..." marking the cut ends) and carets under the span, clipped to
// that line. Tabs before the span are repeated in the caret line so the carets align; UTF-8
// continuation bytes take no column.
std::string caret_excerpt(std::string_view source, Span span) {
  const std::size_t begin = std::min<std::size_t>(span.begin, source.size());
  const LineRange line = line_around(source, begin);
  std::size_t shown_begin = line.begin;
  std::size_t shown_end = line.end;
  if (line.end - line.begin > kMaxExcerptWidth) {
    shown_begin = std::max(line.begin, begin > kWindowLead ? begin - kWindowLead : 0);
    while (shown_begin > line.begin && is_utf8_continuation(source[shown_begin])) --shown_begin;
    shown_end = std::min(line.end, shown_begin + kMaxExcerptWidth);
    while (shown_end < line.end && is_utf8_continuation(source[shown_end])) ++shown_end;
  }
  const std::string lead = shown_begin > line.begin ? "..." : "";
  const std::string trail = shown_end < line.end ? "..." : "";

  std::string carets(lead.size(), ' ');
  for (std::size_t i = shown_begin; i < begin; ++i) {
    if (source[i] == '\t') {
      carets += '\t';
    } else if (!is_utf8_continuation(source[i])) {
      carets += ' ';
    }
  }
  const std::size_t caret_end =
      std::min<std::size_t>(std::max<std::size_t>(span.end, begin), shown_end);
  std::size_t width = 0;
  for (std::size_t i = begin; i < caret_end; ++i) width += is_utf8_continuation(source[i]) ? 0 : 1;
  carets.append(std::max<std::size_t>(width, 1), '^');

  std::string excerpt = "  " + lead;
  excerpt.append(source.substr(shown_begin, shown_end - shown_begin));
  excerpt += trail + "\n  " + carets;
  return excerpt;
}

}  // namespace exprvm
