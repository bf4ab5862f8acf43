// Deep copies of AST nodes, their per-thread allocation cache, and their fully parenthesised
// rendering.
#include "compiler/ast.hpp"

#include <charconv>
#include <cmath>
#include <new>
#include <string>
#include <utility>

#include "compiler/functions.hpp"

namespace exprvm {

namespace {
// Op -> its operator spelling (compiler/functions.def), empty for ops that are only functions.
struct OperatorSymbols {
  std::string_view of[kOpCount]{};
  constexpr OperatorSymbols() {
    for (const auto& b : kBinaryOperators) of[static_cast<int>(b.op)] = b.spelling;
    for (const auto& u : kUnaryOperators)
      if (u.op != Op::COPY) of[static_cast<int>(u.op)] = u.spelling;  // unary + makes no node
  }
};
constexpr OperatorSymbols kOperatorSymbols{};
}  // namespace

std::string_view operator_symbol(Op op) { return kOperatorSymbols.of[static_cast<int>(op)]; }

namespace {

// Python's repr of a float: the shortest round-trip digits, positional when the decimal
// exponent is in [-4, 16) ("100000.0", "0.0001"), scientific otherwise ("1e-05", "1e+16").
std::string format_double(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[400];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string scientific(buffer, result.ptr);
  const int exponent = std::stoi(scientific.substr(scientific.find('e') + 1));
  if (exponent < -4 || exponent >= 16) return scientific;
  result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
  std::string text(buffer, result.ptr);
  if (text.find('.') == std::string::npos) text += ".0";
  return text;
}

// Python's repr of an imaginary part: like a float's but without a trailing ".0" ("2j").
std::string format_imaginary(double value) {
  std::string text = format_double(value);
  if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
  return text + "j";
}

std::string format_literal(const Literal& literal) {
  switch (literal.kind) {
    case WeakKind::Bool: return literal.b ? "True" : "False";
    case WeakKind::Int: return std::to_string(literal.i);
    case WeakKind::Float: return format_double(literal.f);
    case WeakKind::Complex: {
      const std::string imaginary = format_imaginary(literal.c.imag());
      if (literal.c.real() == 0.0) return imaginary;
      const std::string sign = imaginary.front() == '-' ? "" : "+";
      return std::string("(")
          .append(format_double(literal.c.real()))
          .append(sign + imaginary + ")");
    }
  }
  return "?";
}

// "name(a, b, key=value)" with the node's arguments and keywords.
std::string format_call(std::string_view name, const Node& node) {
  std::string text(name);
  text += '(';
  bool first = true;
  for (const auto& arg : node.args) {
    if (!first) text += ", ";
    text += to_string(*arg);
    first = false;
  }
  for (const auto& keyword : node.keywords) {
    if (!first) text += ", ";
    text += keyword.name + "=" + to_string(*keyword.value);
    first = false;
  }
  return text + ")";
}

// Freed nodes kept by one thread for its next allocations, up to kMaxCached of them. Blocks
// come from and go back to the global heap, so a node made by one thread may be freed by
// another. `node_cache_closed` (trivially destructible, hence usable during thread exit) turns
// the cache off once the thread's cache is destroyed: nodes freed later go to the heap.
class NodeCache {
 public:
  NodeCache() = default;
  NodeCache(const NodeCache&) = delete;
  NodeCache& operator=(const NodeCache&) = delete;
  ~NodeCache();

  void* take() {
    if (!head_) return ::operator new(sizeof(Node));
    FreeBlock* block = head_;
    head_ = block->next;
    --count_;
    return block;
  }
  void give(void* memory) {
    if (count_ == kMaxCached) return ::operator delete(memory);
    head_ = new (memory) FreeBlock{head_};
    ++count_;
  }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  static constexpr std::size_t kMaxCached = 1024;
  FreeBlock* head_ = nullptr;
  std::size_t count_ = 0;
};

constinit thread_local bool node_cache_closed = false;
thread_local NodeCache node_cache;

NodeCache::~NodeCache() {
  node_cache_closed = true;
  while (head_) ::operator delete(std::exchange(head_, head_->next));
}

}  // namespace

void* Node::operator new(std::size_t size) {
  if (size != sizeof(Node) || node_cache_closed) return ::operator new(size);
  return node_cache.take();
}

void Node::operator delete(void* node, std::size_t size) noexcept {
  if (size != sizeof(Node) || node_cache_closed) return ::operator delete(node);
  node_cache.give(node);
}

std::unique_ptr<Node> Node::clone() const {
  auto copy = std::make_unique<Node>();
  copy->kind = kind;
  copy->span = span;
  copy->literal = literal;
  copy->name = name;
  copy->op = op;
  for (const auto& arg : args) copy->args.push_back(arg->clone());
  for (const auto& keyword : keywords)
    copy->keywords.push_back({keyword.name, keyword.span, keyword.value->clone()});
  copy->dtype = dtype;
  copy->uniform = uniform;
  copy->weak = weak;
  copy->axis = axis;
  copy->mean = mean;
  copy->slot = slot;
  return copy;
}

// Unary and Binary nodes are parenthesised, calls and typed nodes use function syntax:
// Apply "op(args)", Cast "dtype(x)", Reduce "sum(x, axis=1)" / "mean(x)".
std::string to_string(const Node& node) {
  switch (node.kind) {
    case NodeKind::Literal: return format_literal(node.literal);
    case NodeKind::Name: return node.name;
    case NodeKind::Unary:
      return std::string("(")
          .append(operator_symbol(node.op))
          .append(to_string(*node.args[0]) + ")");
    case NodeKind::Binary:
      return std::string("(")
          .append(to_string(*node.args[0]))
          .append(" ")
          .append(operator_symbol(node.op))
          .append(" " + to_string(*node.args[1]) + ")");
    case NodeKind::Call: return format_call(node.name, node);
    case NodeKind::Apply: return format_call(op_info(node.op).spelling, node);
    case NodeKind::Cast:
      return std::string(dtype_name(node.dtype)) + "(" + to_string(*node.args[0]) + ")";
    case NodeKind::Reduce: {
      std::string text = std::string(reduction_name(node.op, node.mean)) + "(" +
                         to_string(*node.args[0]);
      if (node.axis) text += ", axis=" + std::to_string(*node.axis);
      return text + ")";
    }
  }
  return "?";
}

}  // namespace exprvm
