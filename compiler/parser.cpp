// exprvm::parse: runs the PEGTL grammar (compiler/grammar.hpp) with actions that build the
// AST on an operand stack, and a control that turns every parse failure into a Syntax Error
// with a specific message and a caret (the messages: compiler/parse_errors.cpp).
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include "compiler/ast.hpp"
#include "compiler/functions.hpp"
#include "compiler/grammar.hpp"
#include "compiler/identifier_chars.hpp"
#include "compiler/parse_errors.hpp"

namespace exprvm {
namespace {

namespace pegtl = tao::pegtl;

// Brackets (parentheses, calls), unary operators and '**' right operands may nest this deep;
// deeper input is rejected before it can exhaust the parser's stack.
constexpr int kMaxNesting = 200;
// No tree may be deeper than this (long operator chains such as a+a+...+a build deep trees
// without any bracket); later passes walk trees recursively.
constexpr std::uint32_t kMaxTreeDepth = 1000;
// Resource limits of one program's source (README, "Untrusted strings"): its length in bytes
// and its number of statements.
constexpr std::size_t kMaxSourceBytes = std::size_t{1} << 24;
constexpr std::size_t kMaxStatements = std::size_t{1} << 20;

// The binary operator spelled `text` (a token the grammar matched).
Op binary_op(std::string_view text) {
  if (const BinaryOperatorInfo* op = binary_operator(text)) return op->op;
  throw Error(ErrorKind::Internal, "parser: unknown binary operator '" + std::string(text) + "'");
}

bool is_comparison(Op op) {
  const BinaryOperatorInfo* binary = binary_operator_of(op);
  return binary && binary->level == Precedence::Comparison;
}

// Decimal exponent of the leading significant digit of a decimal float literal (no '_').
long long decimal_magnitude(std::string_view text) {
  const std::size_t e = text.find_first_of("eE");
  const std::string_view mantissa = text.substr(0, e);
  long long exponent = 0;
  if (e != std::string_view::npos) {
    std::size_t i = e + 1;
    const bool negative = text[i] == '-';
    if (text[i] == '+' || text[i] == '-') ++i;
    for (; i < text.size(); ++i) exponent = std::min(exponent * 10 + (text[i] - '0'), 1000000LL);
    if (negative) exponent = -exponent;
  }
  const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
  const std::size_t first = mantissa.find_first_of("123456789");
  if (first == std::string_view::npos) return 0;
  const long long shift = first < point ? static_cast<long long>(point - first - 1)
                                        : -static_cast<long long>(first - point);
  return shift + exponent;
}

// Python's value of a decimal float literal: too large gives inf, too small gives 0.0.
double decimal_to_double(std::string_view text) {
  double value = 0.0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec == std::errc::result_out_of_range) {
    return decimal_magnitude(text) > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
  return value;
}

// Height of a parsed tree (a leaf has height 1).
std::uint32_t tree_depth(const Node& node) {
  std::uint32_t deepest = 0;
  for (const auto& arg : node.args) deepest = std::max(deepest, tree_depth(*arg));
  for (const auto& keyword : node.keywords) deepest = std::max(deepest, tree_depth(*keyword.value));
  return deepest + 1;
}

struct Operand {
  NodePtr node;
  std::uint32_t depth;  // height of the node's tree
};

struct PendingOperator {
  std::string_view text;
  Span span;
};

struct Bracket {
  std::uint32_t position;           // offset of the '('
  std::size_t operand_base;         // operand stack size when it opened (a call's arguments follow)
  std::vector<Keyword> keywords;    // a call's keyword arguments, in order
  std::uint32_t keyword_depth = 0;  // height of the deepest keyword value
};

// Everything the actions share while one program is parsed.
class ParserState {
 public:
  explicit ParserState(std::string_view source) : source_(source), errors_(source) {
    operands_.reserve(kReservedStackDepth);
    operators_.reserve(kReservedStackDepth);
    // At most one statement per separator, plus one.
    statements_.reserve(1 + static_cast<std::size_t>(std::count_if(
                                source.begin(), source.end(),
                                [](char c) { return c == ';' || c == '\n'; })));
  }

  // Consulted by grammar::skip: newlines are whitespace inside brackets.
  bool inside_brackets() const { return !brackets_.empty(); }

  template <typename Iterator>
  std::uint32_t offset_of(Iterator position) const {
    return static_cast<std::uint32_t>(position - source_.data());
  }
  template <typename ActionInput>
  Span span_of(const ActionInput& in) const {
    return {offset_of(in.begin()), offset_of(in.end())};
  }

  [[noreturn]] void fail(const std::string& message, Span span) const {
    errors_.fail(message, span);
  }

  // ---- nesting guard: brackets, unary operators and '**' enter a level once their opening
  // token has matched and leave it when their construct is reduced.
  void enter_nesting(Span opening) {
    if (++nesting_ > kMaxNesting) {
      fail("expression nested too deeply (limit " + std::to_string(kMaxNesting) + ")", opening);
    }
  }
  void leave_nesting() { --nesting_; }
  void mark_number_start(std::uint32_t at) { number_start_ = at; }

  // ---- tokens
  void note_token(Span span) { last_token_ = span; }
  void push_operator(Span span) {
    note_token(span);
    operators_.push_back({text(span), span});
  }
  void push_nesting_operator(Span span) {
    push_operator(span);
    enter_nesting(span);
  }
  void open_bracket(Span span) {
    note_token(span);
    enter_nesting(span);
    brackets_.push_back({span.begin, operands_.size(), {}});
  }
  void close_bracket() {
    leave_nesting();
    last_closed_ = std::move(brackets_.back());
    brackets_.pop_back();
  }

  // ---- operands
  void push_number(Span span);
  void push_boolean(Span span) {
    NodePtr node = make_node(NodeKind::Literal, span);
    node->literal.kind = WeakKind::Bool;
    node->literal.b = text(span) == "True";
    push(std::move(node), 1);
  }
  void push_name(Span span) {
    const std::string_view name = text(span);
    if (auto message = keyword_message(name)) fail(*message, span);
    NodePtr node = make_node(NodeKind::Name, span);
    node->name = std::string(name);
    push(std::move(node), 1);
  }
  // The innermost node now also covers its parentheses.
  void widen_top(Span span) {
    Span& node_span = operands_.back().node->span;
    node_span = {std::min(node_span.begin, span.begin), std::max(node_span.end, span.end)};
  }

  // ---- reductions
  void reduce_unary();
  void reduce_binary();
  void reduce_power() {
    leave_nesting();
    reduce_binary();
  }
  void reduce_chained_comparison();
  void add_keyword_argument(Span head);
  void check_positional_argument(Span span) {
    if (!brackets_.back().keywords.empty())
      fail("positional argument follows keyword argument", span);
  }
  void reduce_call(Span suffix);
  void reduce_attribute(Span suffix);

  // ---- statements
  void set_target(Span head) { target_ = name_at(head.begin, "cannot be assigned to"); }
  void finish_statement();
  std::vector<Statement> take_statements() { return std::move(statements_); }

  // ---- diagnostics for the control's raise(), with what the state knows of the failure
  [[noreturn]] void fail_missing_operand(std::uint32_t at) const {
    errors_.fail_missing_operand(at, last_token_);
  }
  [[noreturn]] void fail_unclosed(std::uint32_t at) const {
    errors_.fail_unclosed(at, brackets_.back().position);
  }
  [[noreturn]] void fail_unexpected(std::uint32_t at) const { errors_.fail_unexpected(at); }
  [[noreturn]] void fail_invalid_number(std::uint32_t at) const {
    errors_.fail_invalid_number(number_start_, at);
  }

 private:
  std::string_view text(Span span) const {
    return source_.substr(span.begin, span.end - span.begin);
  }
  // The identifier starting at `begin` (an assignment target or argument name); `role`
  // finishes the error when it is a keyword or None.
  std::pair<std::string, Span> name_at(std::uint32_t begin, std::string_view role) const {
    const Span span{begin,
                    begin + static_cast<std::uint32_t>(identifier_continue_length(source_, begin))};
    const std::string name(text(span));
    if (keyword_message(name) || name == kNoneName)
      fail("keyword '" + name + "' " + std::string(role), span);
    return {name, span};
  }

  static NodePtr make_node(NodeKind kind, Span span) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->span = span;
    return node;
  }
  void push(Operand operand) {
    if (operand.depth > kMaxTreeDepth) {
      fail("expression too complex (more than " + std::to_string(kMaxTreeDepth) +
               " nested operations); split it into several statements",
           operand.node->span);
    }
    operands_.push_back(std::move(operand));
  }
  void push(NodePtr node, std::uint32_t depth) { push(Operand{std::move(node), depth}); }
  Operand pop() {
    Operand top = std::move(operands_.back());
    operands_.pop_back();
    return top;
  }
  PendingOperator pop_operator() {
    PendingOperator op = operators_.back();
    operators_.pop_back();
    return op;
  }
  static Operand make_binary(Op op, Operand lhs, Operand rhs) {
    NodePtr node = make_node(NodeKind::Binary, {lhs.node->span.begin, rhs.node->span.end});
    node->op = op;
    node->args.reserve(2);
    node->args.push_back(std::move(lhs.node));
    node->args.push_back(std::move(rhs.node));
    return {std::move(node), std::max(lhs.depth, rhs.depth) + 1};
  }

  // Operand and operator stacks start with room for this many entries (typical expressions
  // never need more).
  static constexpr std::size_t kReservedStackDepth = 16;

  std::string_view source_;
  ParseErrors errors_;
  std::vector<Operand> operands_;
  std::vector<PendingOperator> operators_;
  std::vector<Bracket> brackets_;
  Bracket last_closed_{};
  Span last_token_{};
  int nesting_ = 0;
  std::uint32_t number_start_ = 0;
  std::optional<std::pair<std::string, Span>> target_;
  // Literals 9223372036854775808 (2**63) waiting for a unary '-' to make them int64's minimum.
  std::vector<const Node*> unnegated_int64_min_;
  std::vector<Statement> statements_;
};

void ParserState::push_number(Span span) {
  std::string_view digits = text(span);
  std::string without_underscores;
  if (digits.find('_') != std::string_view::npos) {
    for (char c : digits) {
      if (c != '_') without_underscores += c;
    }
    digits = without_underscores;
  }
  NodePtr node = make_node(NodeKind::Literal, span);
  Literal& literal = node->literal;
  if (digits.back() == 'j' || digits.back() == 'J') {
    digits.remove_suffix(1);
    literal.kind = WeakKind::Complex;
    literal.c = {0.0, decimal_to_double(digits)};
  } else if (digits.find_first_of(".eE") != std::string_view::npos) {
    literal.kind = WeakKind::Float;
    literal.f = decimal_to_double(digits);
  } else {
    if (digits.size() > 1 && digits[0] == '0' &&
        digits.find_first_not_of('0') != std::string_view::npos) {
      fail("leading zeros in decimal integer literals are not permitted", span);
    }
    constexpr std::uint64_t kInt64Limit = std::uint64_t{1} << 63;
    std::uint64_t value = 0;
    const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (result.ec == std::errc::result_out_of_range || value > kInt64Limit)
      errors_.fail_int64_overflow(span);
    literal.kind = WeakKind::Int;
    if (value == kInt64Limit) {
      literal.i = std::numeric_limits<std::int64_t>::min();
      unnegated_int64_min_.push_back(node.get());
    } else {
      literal.i = static_cast<std::int64_t>(value);
    }
  }
  push(std::move(node), 1);
}

void ParserState::reduce_unary() {
  leave_nesting();
  const PendingOperator op = pop_operator();
  Operand operand = pop();
  const Span span{op.span.begin, operand.node->span.end};
  const auto pending =
      std::find(unnegated_int64_min_.begin(), unnegated_int64_min_.end(), operand.node.get());
  const Op unary = unary_operator(op.text)->op;
  if (unary == Op::COPY || (unary == Op::NEG && pending != unnegated_int64_min_.end())) {
    // '+' is dropped; '-' completes the literal -9223372036854775808.
    if (unary == Op::NEG) unnegated_int64_min_.erase(pending);
    operand.node->span = span;
    push(std::move(operand.node), operand.depth);
    return;
  }
  NodePtr node = make_node(NodeKind::Unary, span);
  node->op = unary;
  node->args.push_back(std::move(operand.node));
  push(std::move(node), operand.depth + 1);
}

void ParserState::reduce_binary() {
  const PendingOperator op = pop_operator();
  Operand rhs = pop();
  Operand lhs = pop();
  push(make_binary(binary_op(op.text), std::move(lhs), std::move(rhs)));
}

// a < b < c: the stack holds (a < b), or an '&' chain ending in (x < b); the new comparison
// gets a copy of b and the chain becomes (... & (b < c)).
void ParserState::reduce_chained_comparison() {
  const PendingOperator op = pop_operator();
  Operand rhs = pop();
  Operand chain = pop();
  const Node& last = is_comparison(chain.node->op) ? *chain.node : *chain.node->args[1];
  const Node& middle = *last.args[1];
  Operand comparison =
      make_binary(binary_op(op.text), {middle.clone(), tree_depth(middle)}, std::move(rhs));
  push(make_binary(Op::AND, std::move(chain), std::move(comparison)));
}

void ParserState::add_keyword_argument(Span head) {
  auto [name, name_span] = name_at(head.begin, "cannot be an argument name");
  Bracket& call = brackets_.back();
  for (const Keyword& existing : call.keywords) {
    if (existing.name == name) fail("keyword argument '" + name + "' is repeated", name_span);
  }
  Operand value = pop();
  call.keywords.push_back({std::move(name), name_span, std::move(value.node)});
  call.keyword_depth = std::max(call.keyword_depth, value.depth);
}

// The name node below the call's arguments becomes the Call; `suffix` spans "(...)".
void ParserState::reduce_call(Span suffix) {
  Bracket call = std::move(last_closed_);
  std::uint32_t deepest = call.keyword_depth;
  std::vector<NodePtr> args;
  args.reserve(operands_.size() - call.operand_base);
  for (std::size_t i = call.operand_base; i < operands_.size(); ++i) {
    deepest = std::max(deepest, operands_[i].depth);
    args.push_back(std::move(operands_[i].node));
  }
  operands_.resize(call.operand_base);
  Operand callee = pop();
  callee.node->kind = NodeKind::Call;
  callee.node->span.end = suffix.end;
  callee.node->args = std::move(args);
  callee.node->keywords = std::move(call.keywords);
  push(std::move(callee.node), deepest + 1);
}

// `x.real` / `x.imag` (`suffix` spans ".real"): the operand becomes the call real(x) / imag(x).
void ParserState::reduce_attribute(Span suffix) {
  Operand operand = pop();
  const std::string_view name = text(suffix).substr(1, 4);  // both names have four letters
  NodePtr call = make_node(NodeKind::Call, {operand.node->span.begin, suffix.end});
  call->name = std::string(name);
  call->args.push_back(std::move(operand.node));
  push(std::move(call), operand.depth + 1);
}

void ParserState::finish_statement() {
  if (!unnegated_int64_min_.empty())
    errors_.fail_int64_overflow(unnegated_int64_min_.front()->span);
  Statement statement;
  if (target_) {
    statement.target = std::move(target_->first);
    statement.target_span = target_->second;
    target_.reset();
  }
  statement.expr = pop().node;
  if (statements_.size() == kMaxStatements)
    fail("too many statements (limit " + std::to_string(kMaxStatements) + ")", statement.expr->span);
  statements_.push_back(std::move(statement));
}

// ---- actions: each delegates to one ParserState method, with the matched span or without.

template <void (ParserState::*Method)(Span)>
struct span_action {
  template <typename ActionInput>
  static void apply(const ActionInput& in, ParserState& state) {
    (state.*Method)(state.span_of(in));
  }
};
template <void (ParserState::*Method)()>
struct plain_action {
  static void apply0(ParserState& state) { (state.*Method)(); }
};

template <typename Rule>
struct action : pegtl::nothing<Rule> {};
// clang-format off
template <> struct action<grammar::comparison_operator> : span_action<&ParserState::push_operator> {};
template <> struct action<grammar::or_operator> : span_action<&ParserState::push_operator> {};
template <> struct action<grammar::xor_operator> : span_action<&ParserState::push_operator> {};
template <> struct action<grammar::and_operator> : span_action<&ParserState::push_operator> {};
template <> struct action<grammar::shift_operator> : span_action<&ParserState::push_operator> {};
template <> struct action<grammar::additive_operator> : span_action<&ParserState::push_operator> {};
template <> struct action<grammar::multiplicative_operator> : span_action<&ParserState::push_operator> {};
template <> struct action<grammar::unary_operator> : span_action<&ParserState::push_nesting_operator> {};
template <> struct action<grammar::power_operator> : span_action<&ParserState::push_nesting_operator> {};
template <> struct action<grammar::assignment_operator> : span_action<&ParserState::note_token> {};
template <> struct action<grammar::comma> : span_action<&ParserState::note_token> {};
template <> struct action<grammar::open_paren> : span_action<&ParserState::open_bracket> {};
template <> struct action<grammar::close_paren> : plain_action<&ParserState::close_bracket> {};
template <> struct action<grammar::number_literal> : span_action<&ParserState::push_number> {};
template <> struct action<grammar::boolean_literal> : span_action<&ParserState::push_boolean> {};
template <> struct action<grammar::variable_name> : span_action<&ParserState::push_name> {};
template <> struct action<grammar::parenthesized> : span_action<&ParserState::widen_top> {};
template <> struct action<grammar::unary_application> : plain_action<&ParserState::reduce_unary> {};
template <> struct action<grammar::power_tail> : plain_action<&ParserState::reduce_power> {};
template <typename Operator, typename Operand>
struct action<grammar::binary_tail<Operator, Operand>> : plain_action<&ParserState::reduce_binary> {};
template <> struct action<grammar::first_comparison> : plain_action<&ParserState::reduce_binary> {};
template <> struct action<grammar::chained_comparison> : plain_action<&ParserState::reduce_chained_comparison> {};
template <> struct action<grammar::keyword_argument> : span_action<&ParserState::add_keyword_argument> {};
template <> struct action<grammar::positional_argument> : span_action<&ParserState::check_positional_argument> {};
template <> struct action<grammar::call_suffix> : span_action<&ParserState::reduce_call> {};
template <> struct action<grammar::attribute_suffix> : span_action<&ParserState::reduce_attribute> {};
template <> struct action<grammar::assignment_head> : span_action<&ParserState::set_target> {};
template <> struct action<grammar::statement> : plain_action<&ParserState::finish_statement> {};
// clang-format on

// Turns each failed must<> into a specific Syntax Error (never a PEGTL parse_error), and
// remembers where a number literal starts for the invalid-literal message.
template <typename Rule>
struct control : pegtl::normal<Rule> {
  template <typename ParseInput>
  static void start(const ParseInput& in, ParserState& state) {
    if constexpr (std::is_same_v<Rule, grammar::number_literal>)
      state.mark_number_start(state.offset_of(in.current()));
  }
  template <typename ParseInput>
  [[noreturn]] static void raise(const ParseInput& in, ParserState& state) {
    const std::uint32_t at = state.offset_of(in.current());
    if constexpr (std::is_same_v<Rule, grammar::close_paren>) {
      state.fail_unclosed(at);
    } else if constexpr (std::is_same_v<Rule, grammar::end_of_program>) {
      state.fail_unexpected(at);
    } else if constexpr (std::is_same_v<Rule, grammar::number_boundary>) {
      state.fail_invalid_number(at);
    } else {
      state.fail_missing_operand(at);
    }
  }
};

}  // namespace

ParsedProgram parse(std::string_view source) {
  if (source.size() > kMaxSourceBytes) {
    throw Error(ErrorKind::Syntax, "expression too long (" + std::to_string(source.size()) +
                                       " bytes; the limit is " + std::to_string(kMaxSourceBytes) + ")");
  }
  ParsedProgram program;
  program.source = std::string(source);
  ParserState state(program.source);
  pegtl::memory_input<pegtl::tracking_mode::lazy> in(program.source.data(), program.source.size(),
                                                     "expression");
  try {
    pegtl::parse<grammar::program, action, control>(in, state);
  } catch (const pegtl::parse_error& e) {
    // Unreachable by design (control::raise throws Error); kept so no PEGTL type escapes.
    const auto offset =
        static_cast<std::uint32_t>(e.positions().empty() ? 0 : e.positions().front().byte);
    throw Error(ErrorKind::Syntax, std::string(e.message()), program.source, {offset, offset + 1});
  }
  program.statements = state.take_statements();
  if (program.statements.empty())
    throw Error(ErrorKind::Syntax, "empty expression", program.source, {0, 0});
  return program;
}

}  // namespace exprvm
