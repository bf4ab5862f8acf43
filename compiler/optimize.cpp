#include "compiler/optimize.hpp"

#include <array>
#include <cmath>
#include <optional>
#include <span>
#include <vector>

#include "compiler/scalar_ops.hpp"

namespace exprvm {
namespace {

bool is_float(DType t) { return kind_of(t) == Kind::Float && is_native(t); }


// A Literal node of dtype v.dtype holding v exactly.
NodePtr make_literal(const Value& v, const Node& like) {
  auto n = std::make_unique<Node>();
  n->kind = NodeKind::Literal;
  n->span = like.span;
  n->dtype = v.dtype;
  n->uniform = true;
  n->weak = like.weak;
  Literal& l = n->literal;
  switch (kind_of(v.dtype)) {
    case Kind::Bool: l.kind = WeakKind::Bool; l.b = v.get<bool>(); break;
    case Kind::Int:
    case Kind::UInt:  // uint64 keeps its bits in the int64 field (literal_value casts back)
      l.kind = WeakKind::Int;
      l.i = cast_value(v, DType::Int64).get<std::int64_t>();
      break;
    case Kind::Float:
      l.kind = WeakKind::Float;
      l.f = cast_value(v, DType::Float64).get<double>();
      break;
    case Kind::Complex:
      l.kind = WeakKind::Complex;
      l.c = cast_value(v, DType::Complex128).get<std::complex<double>>();
      break;
  }
  return n;
}

// The literal's value as a double when it is real (nullopt for complex with imag != 0).
std::optional<double> real_constant(const Node& n) {
  if (n.kind != NodeKind::Literal) return std::nullopt;
  const std::complex<double> c = literal_value(n).to_complex128();
  if (c.imag() != 0.0) return std::nullopt;
  return c.real();
}

// Structural equality of typed trees: same kind, op, dtype, slot, literal value (bit for bit)
// and children. Spans and the uniform/weak flags follow from these and are not compared.
bool same_tree(const Node& x, const Node& y) {
  if (x.kind != y.kind || x.dtype != y.dtype || x.args.size() != y.args.size()) return false;
  switch (x.kind) {
    case NodeKind::Literal: return same_bits(literal_value(x), literal_value(y));
    case NodeKind::Name:
      if (x.slot != y.slot || x.name != y.name) return false;
      break;
    case NodeKind::Apply:
      if (x.op != y.op) return false;
      break;
    case NodeKind::Reduce:
      if (x.op != y.op || x.axis != y.axis || x.mean != y.mean) return false;
      break;
    case NodeKind::Cast: break;
    default: return false;  // Unary, Binary and Call do not survive type checking
  }
  for (std::size_t i = 0; i < x.args.size(); ++i)
    if (!same_tree(*x.args[i], *y.args[i])) return false;
  return true;
}

// The fused compare-and-select of comparison `op` (LT -> SELECT_LT, ...), if it has one.
std::optional<Op> fused_select(Op op) {
  switch (op) {
    case Op::LT: return Op::SELECT_LT;
    case Op::LE: return Op::SELECT_LE;
    case Op::GE: return Op::SELECT_GE;
    case Op::GT: return Op::SELECT_GT;
    default: return std::nullopt;
  }
}

NodePtr apply(Op op, DType dtype, const Node& like, std::vector<NodePtr> args) {
  auto n = std::make_unique<Node>();
  n->kind = NodeKind::Apply;
  n->op = op;
  n->span = like.span;
  n->dtype = dtype;
  n->uniform = like.uniform;
  n->weak = like.weak;
  n->args = std::move(args);
  return n;
}

class Optimizer {
 public:
  explicit Optimizer(const CompileOptions& o) : options_(o) {}

  NodePtr run(NodePtr n) {
    for (auto& a : n->args) a = run(std::move(a));
    if (NodePtr folded = fold(*n)) return folded;
    if (n->kind != NodeKind::Apply) return n;
    if (n->op == Op::POW) return rewrite_pow(std::move(n));
    if (n->op == Op::DIV) return rewrite_div(std::move(n));
    if (n->op == Op::ADD && options_.allow_fma) return contract_fma(std::move(n));
    if (n->op == Op::WHERE) return fuse_compare_select(std::move(n));
    return n;
  }

 private:
  // A node whose operands are all literals becomes a literal.
  static NodePtr fold(const Node& n) {
    if (n.kind != NodeKind::Apply && n.kind != NodeKind::Cast) return nullptr;
    std::array<Value, 3> values;  // an instruction has at most three operands
    for (std::size_t i = 0; i < n.args.size(); ++i) {
      if (n.args[i]->kind != NodeKind::Literal) return nullptr;
      values.at(i) = literal_value(*n.args[i]);
    }
    if (n.kind == NodeKind::Cast) return make_literal(cast_value(values[0], n.dtype), n);
    const DType operand = n.args[n.op == Op::WHERE ? 1 : 0]->dtype;
    return make_literal(apply_op(n.op, operand, std::span(values.data(), n.args.size())), n);
  }

  static NodePtr rewrite_pow(NodePtr n) {
    const DType t = n->dtype;
    const auto c = real_constant(*n->args[1]);
    if (!c) return n;
    NodePtr& x = n->args[0];
    if (*c == 1.0) return std::move(x);
    if (*c == 0.0) {
      std::vector<NodePtr> args;
      args.push_back(std::move(x));
      return apply(Op::ONES_LIKE, t, *n, std::move(args));
    }
    if (*c == 2.0) {
      std::vector<NodePtr> args;
      args.push_back(x->clone());
      args.push_back(std::move(x));
      return apply(Op::MUL, t, *n, std::move(args));
    }
    if (*c == 0.5 && is_float(t)) {
      std::vector<NodePtr> args;
      args.push_back(std::move(x));
      return apply(Op::SQRT, t, *n, std::move(args));
    }
    if (*c == -1.0 && is_float(t)) {
      std::vector<NodePtr> args;
      args.push_back(make_literal(cast_value(Value::of(1.0), t), *n->args[1]));
      args.push_back(std::move(x));
      return apply(Op::DIV, t, *n, std::move(args));
    }
    return n;
  }

  // x / c with c = +-2**k (k such that 1/c is a normal number) -> x * (1/c): exact.
  static NodePtr rewrite_div(NodePtr n) {
    const DType t = n->dtype;
    if (!is_float(t)) return n;
    const auto c = real_constant(*n->args[1]);
    if (!c || *c == 0.0 || !std::isfinite(*c)) return n;
    int exponent = 0;
    const double mantissa = std::frexp(std::fabs(*c), &exponent);
    const int min_exp = t == DType::Float32 ? -125 : -1021;
    const int max_exp = t == DType::Float32 ? 126 : 1022;
    if (mantissa != 0.5 || 1 - exponent > max_exp || 1 - exponent < min_exp) return n;
    Value inverse = cast_value(Value::of(1.0 / *c), t);
    std::vector<NodePtr> args;
    args.push_back(std::move(n->args[0]));
    args.push_back(make_literal(inverse, *n->args[1]));
    return apply(Op::MUL, t, *n, std::move(args));
  }

  // a*b + c or c + a*b -> fma(a, b, c) (floats; opt-in, changes rounding).
  static NodePtr contract_fma(NodePtr n) {
    if (!is_float(n->dtype)) return n;
    for (int side = 0; side < 2; ++side) {
      Node& m = *n->args[side];
      if (m.kind != NodeKind::Apply || m.op != Op::MUL) continue;
      std::vector<NodePtr> args;
      args.push_back(std::move(m.args[0]));
      args.push_back(std::move(m.args[1]));
      args.push_back(std::move(n->args[1 - side]));
      return apply(Op::FMA, n->dtype, *n, std::move(args));
    }
    return n;
  }

  // where(x CMP y, x, z) -> select_CMP(x, y, z) for CMP in <, <=, >=, > (ints and floats),
  // when the true branch is structurally x and the compare runs in the where's dtype: the
  // select compares exactly as the condition did, so every value is kept, and the bool
  // temporary between the two instructions disappears.
  static NodePtr fuse_compare_select(NodePtr n) {
    Node& condition = *n->args[0];
    if (condition.kind != NodeKind::Apply) return n;
    const std::optional<Op> select = fused_select(condition.op);
    if (!select || !op_accepts(*select, n->dtype)) return n;
    const Node& compared = *condition.args[0];
    if (compared.dtype != n->dtype || !same_tree(compared, *n->args[1])) return n;
    std::vector<NodePtr> args;
    args.push_back(std::move(condition.args[0]));
    args.push_back(std::move(condition.args[1]));
    args.push_back(std::move(n->args[2]));
    return apply(*select, n->dtype, *n, std::move(args));
  }

  CompileOptions options_;
};

}  // namespace

Value literal_value(const Node& n) {
  const Literal& l = n.literal;
  Value v;
  switch (l.kind) {
    case WeakKind::Bool: v = Value::of(l.b); break;
    case WeakKind::Int: v = Value::of(l.i); break;
    case WeakKind::Float: v = Value::of(l.f); break;
    case WeakKind::Complex: v = Value::of(l.c); break;
  }
  return cast_value(v, n.dtype);
}

namespace {

// sin(x) and cos(x) of the same x anywhere in the program become imag(cis(x)) and
// real(cis(x)): lowering's CSE then computes both with one argument reduction (CIS, whose
// sine and cosine are bit-identical to SIN's and COS's). Slots are rewritten children first,
// so a rewrite never moves a subtree that still holds a slot to rewrite.
void pair_sin_cos(CheckedProgram& program) {
  std::vector<NodePtr*> trig;  // SIN and COS of non-uniform floats, in post-order
  auto collect = [&](auto& self, NodePtr& n) -> void {
    for (auto& a : n->args) self(self, a);
    if (n->kind == NodeKind::Apply && (n->op == Op::SIN || n->op == Op::COS) && !n->uniform &&
        is_float(n->dtype))
      trig.push_back(&n);
  };
  for (auto& st : program.statements) collect(collect, st.expr);
  std::vector<bool> paired(trig.size(), false);
  for (std::size_t i = 0; i < trig.size(); ++i)
    for (std::size_t j = i + 1; j < trig.size(); ++j)
      if ((*trig[i])->op != (*trig[j])->op && same_tree(*(*trig[i])->args[0], *(*trig[j])->args[0]))
        paired[i] = paired[j] = true;
  for (std::size_t i = 0; i < trig.size(); ++i) {
    if (!paired[i]) continue;
    Node& n = **trig[i];
    std::vector<NodePtr> operand;
    operand.push_back(std::move(n.args[0]));
    std::vector<NodePtr> cis;
    cis.push_back(apply(Op::CIS, complex_of(n.dtype), n, std::move(operand)));
    NodePtr part = apply(n.op == Op::SIN ? Op::IMAG : Op::REAL, n.dtype, n, std::move(cis));
    *trig[i] = std::move(part);
  }
}

}  // namespace

void optimize(CheckedProgram& program) {
  Optimizer opt(program.options);
  for (auto& st : program.statements) st.expr = opt.run(std::move(st.expr));
  pair_sin_cos(program);
}

}  // namespace exprvm
