#include "tests/reference_eval.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "compiler/scalar_ops.hpp"

namespace exprvm::testing {
namespace {

using Shape = std::vector<std::int64_t>;

Shape shape_of(const Array& a) { return Shape(a.shape.begin(), a.shape.begin() + a.ndim); }

std::int64_t element_count(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string to_text(const Shape& shape) {
  std::string s = "(";
  for (auto d : shape) s += std::to_string(d) + ",";
  return s + ")";
}

// NumPy broadcasting: shapes aligned on the right, each dimension equal or 1.
Shape broadcast(const Shape& a, const Shape& b) {
  Shape result(std::max(a.size(), b.size()), 1);
  for (std::size_t i = 0; i < result.size(); ++i) {
    const std::int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const std::int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      throw Error(ErrorKind::Shape, "reference_run: shapes " + to_text(a) + " and " + to_text(b) +
                                        " do not broadcast");
    result[result.size() - 1 - i] = da == 1 ? db : da;
  }
  return result;
}

// The C-order multi-index of position `linear` in `shape`.
Shape unravel(std::int64_t linear, const Shape& shape) {
  Shape index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = linear % shape[d];
    linear /= shape[d];
  }
  return index;
}

std::int64_t ravel(const Shape& index, const Shape& shape) {
  std::int64_t linear = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) linear = linear * shape[d] + index[d];
  return linear;
}

// Address of the element of `a` that broadcasting maps to `index` (an index of a shape `a`
// broadcasts to): dimensions aligned on the right, size-1 dimensions always at 0.
std::byte* broadcast_element(const Array& a, const Shape& index) {
  auto* p = static_cast<std::byte*>(a.data);
  const std::size_t offset = index.size() - static_cast<std::size_t>(a.ndim);
  for (int d = 0; d < a.ndim; ++d)
    if (a.shape[d] != 1) p += index[offset + d] * a.strides[d];
  return p;
}

// Position of the element being computed: its multi-index and C-order position in the space
// of the statement (the broadcast shape, or the reduced shape for a reduction statement).
struct Position {
  Shape index;
  std::int64_t linear = 0;
};

// |v| when v is a finite number, else 0 (an infinite or NaN value is compared as such).
double magnitude_of(const Value& v) {
  const std::complex<double> z = cast_value(v, DType::Complex128).get<std::complex<double>>();
  const double m = std::abs(z);
  return std::isfinite(m) ? m : 0;
}

class Evaluator {
 public:
  Evaluator(const CheckedProgram& program, std::span<const Array> args)
      : program_(program), args_(args), assigned_(program.slots.size()), assigned_scales_(program.slots.size()) {
    if (args.size() != program.signature.size())
      throw Error(ErrorKind::Argument, "reference_run: " + std::to_string(args.size()) +
                                           " arguments for a signature of " +
                                           std::to_string(program.signature.size()));
    for (int slot : program.array_params) full_ = broadcast(full_, shape_of(args[slot]));
  }

  OwnedArray run(const Array* out, ReferenceScales* scales) {
    OwnedArray result;
    if (scales) scales->params.assign(args_.size(), std::nullopt);
    for (const CheckedStatement& st : program_.statements) {
      const Node& root = *st.expr;
      const Node* reduction = find_reduce(root);
      const Shape space = reduction ? reduced_shape(*reduction) : full_;
      if (reduction) require_identity_or_elements(*reduction);
      std::vector<Value> values(static_cast<std::size_t>(element_count(space)));
      std::vector<double> statement_scales(values.size());
      for (std::int64_t i = 0; i < element_count(space); ++i) {
        scale_ = 0;
        values[static_cast<std::size_t>(i)] = eval(root, Position{unravel(i, space), i}, reduction != nullptr);
        statement_scales[static_cast<std::size_t>(i)] = scale_;
      }
      if (st.target < 0) {
        result = store_result(values, space, out);
        if (scales) scales->result = std::move(statement_scales);
        continue;
      }
      const auto target = static_cast<std::size_t>(st.target);
      if (program_.slots[target].is_param) {
        assigned_[target] = store_param(st.target, values, space);
        if (scales) scales->params[target] = statement_scales;
      } else {
        assigned_[target] = std::move(values);
      }
      assigned_scales_[target] = std::move(statement_scales);
    }
    return result;
  }

 private:
  // The Reduce node of a statement's tree, or nullptr.
  static const Node* find_reduce(const Node& n) {
    if (n.kind == NodeKind::Reduce) return &n;
    for (const auto& a : n.args)
      if (const Node* r = find_reduce(*a)) return r;
    return nullptr;
  }

  // The axis of reduction `r` as an index into the broadcast shape.
  int normalized_axis(const Node& r) const {
    const int ndim = static_cast<int>(full_.size());
    const int axis = *r.axis < 0 ? *r.axis + ndim : *r.axis;
    if (axis < 0 || axis >= ndim)
      throw Error(ErrorKind::Reduction, "reference_run: axis " + std::to_string(*r.axis) +
                                            " out of range for shape " + to_text(full_));
    return axis;
  }

  // NumPy: min and max have no identity, so reducing a zero-length axis is an error.
  void require_identity_or_elements(const Node& r) const {
    const std::int64_t length = r.axis ? full_[static_cast<std::size_t>(normalized_axis(r))] : element_count(full_);
    if ((r.op == Op::MIN || r.op == Op::MAX) && length == 0)
      throw Error(ErrorKind::Reduction, "reference_run: zero-size array to reduction '" +
                                            std::string(op_info(r.op).spelling) + "', which has no identity");
  }

  Shape reduced_shape(const Node& r) const {
    if (!r.axis) return {};
    Shape s = full_;
    s.erase(s.begin() + normalized_axis(r));
    return s;
  }

  // Value of node `n` at `pos`. `in_reduced_space`: pos is an index of a reduction's result
  // (above a Reduce node) rather than of the broadcast shape.
  Value eval(const Node& n, const Position& pos, bool in_reduced_space) const {
    switch (n.kind) {
      case NodeKind::Literal: return cast_value(literal_value(n.literal), n.dtype);
      case NodeKind::Name:
        if (in_reduced_space)
          throw Error(ErrorKind::Internal, "reference_run: name '" + n.name + "' above a reduction");
        return cast_value(read_slot(n.slot, pos), n.dtype);
      case NodeKind::Cast: return cast_value(eval(*n.args[0], pos, in_reduced_space), n.dtype);
      case NodeKind::Apply: {
        // Every op takes at most three operands (where, clip): no allocation per element.
        std::array<Value, 3> operands;
        if (n.args.size() > operands.size())
          throw Error(ErrorKind::Internal, "reference_run: an operation with more than three operands");
        for (std::size_t k = 0; k < n.args.size(); ++k) operands[k] = eval(*n.args[k], pos, in_reduced_space);
        const DType operand_dtype = n.op == Op::WHERE ? n.args[1]->dtype : n.args[0]->dtype;
        const Value v = cast_value(apply_op(n.op, operand_dtype, std::span<const Value>(operands.data(), n.args.size())), n.dtype);
        scale_ = std::max(scale_, magnitude_of(v));
        return v;
      }
      case NodeKind::Reduce:
        if (!in_reduced_space)
          throw Error(ErrorKind::Internal, "reference_run: reduction below an elementwise node");
        return reduce(n, pos);
      default:
        throw Error(ErrorKind::Internal, "reference_run: untyped node kind in a checked program");
    }
  }

  static Value literal_value(const Literal& lit) {
    switch (lit.kind) {
      case WeakKind::Bool: return Value::of(lit.b);
      case WeakKind::Int: return Value::of(lit.i);
      case WeakKind::Float: return Value::of(lit.f);
      case WeakKind::Complex: return Value::of(lit.c);
    }
    throw Error(ErrorKind::Internal, "reference_run: bad literal kind");
  }

  Value read_slot(int slot, const Position& pos) const {
    const auto& values = assigned_.at(static_cast<std::size_t>(slot));
    if (values) {
      const auto& scales = assigned_scales_[static_cast<std::size_t>(slot)];
      scale_ = std::max(scale_, scales[static_cast<std::size_t>(pos.linear)]);
      return (*values)[static_cast<std::size_t>(pos.linear)];
    }
    if (!program_.slots.at(static_cast<std::size_t>(slot)).is_param)
      throw Error(ErrorKind::Internal, "reference_run: temporary read before it is assigned");
    return load_value(broadcast_element(args_[static_cast<std::size_t>(slot)], pos.index),
                      args_[static_cast<std::size_t>(slot)].dtype);
  }

  // Folds the reduction's operand over the reduced axis (or all axes), in C order, in the
  // compute dtype (float32 for float16, rounded once at the end). Float and complex sums are
  // accumulated in long double (64-bit significands) and rounded once: a plain C-order sum of
  // n terms drifts by up to ~n/2 ULPs (3071 copies of log2(0.03): 700 ULPs), more than the
  // engine's lane-wise sums and NumPy's pairwise ones, and would be blamed on the engine.
  Value reduce(const Node& r, const Position& pos) const {
    const DType t = native_of(r.dtype);
    Value acc = reduce_identity_value(r.op, t);
    const bool wide_sum = r.op == Op::SUM && (kind_of(t) == Kind::Float || kind_of(t) == Kind::Complex);
    long double sum_re = 0, sum_im = 0;
    double sum_of_magnitudes = 0;
    std::int64_t count = 0;
    const auto fold_at = [&](const Shape& full_index) {
      const Value v = cast_value(eval(*r.args[0], Position{full_index, ravel(full_index, full_)}, false), t);
      if (wide_sum) {
        const auto z = cast_value(v, DType::Complex128).get<std::complex<double>>();
        sum_re += z.real();
        sum_im += z.imag();
        sum_of_magnitudes += magnitude_of(v);  // a sum's rounding is relative to its terms
      } else {
        reduce_step(r.op, acc, v);
      }
      ++count;
    };
    if (!r.axis) {
      for (std::int64_t i = 0; i < element_count(full_); ++i) fold_at(unravel(i, full_));
    } else {
      const int axis = normalized_axis(r);
      Shape full_index = pos.index;
      full_index.insert(full_index.begin() + axis, 0);
      for (std::int64_t k = 0; k < full_[static_cast<std::size_t>(axis)]; ++k) {
        full_index[static_cast<std::size_t>(axis)] = k;
        fold_at(full_index);
      }
    }
    scale_ = std::max(scale_, sum_of_magnitudes);
    if (wide_sum)
      acc = cast_value(kind_of(t) == Kind::Complex
                           ? Value::of(std::complex<double>(double(sum_re), double(sum_im)))
                           : Value::of(double(sum_re)),
                       t);
    if (!r.mean) return cast_value(acc, r.dtype);
    const Value divisor = cast_value(Value::of(count), t);
    const Value pair[] = {acc, divisor};
    return cast_value(apply_op(Op::DIV, t, pair), r.dtype);
  }

  // Writes a statement's values into parameter `slot`'s caller array and returns them as a
  // later read sees them (after the cast to the storage dtype).
  std::vector<Value> store_param(int slot, const std::vector<Value>& values, const Shape& space) const {
    const Array& target = args_[static_cast<std::size_t>(slot)];
    if (shape_of(target) != space)
      throw Error(ErrorKind::Shape, "reference_run: output '" + program_.slots[static_cast<std::size_t>(slot)].name +
                                        "' has shape " + to_text(shape_of(target)) + ", expected " + to_text(space));
    std::vector<Value> stored;
    for (std::int64_t i = 0; i < element_count(space); ++i) {
      std::byte* p = broadcast_element(target, unravel(i, space));
      store_value(values[static_cast<std::size_t>(i)], p, target.dtype);
      stored.push_back(load_value(p, target.dtype));
    }
    return stored;
  }

  OwnedArray store_result(const std::vector<Value>& values, const Shape& space, const Array* out) const {
    OwnedArray result;
    if (out) {
      if (shape_of(*out) != space)
        throw Error(ErrorKind::Shape, "reference_run: out has shape " + to_text(shape_of(*out)) +
                                          ", expected " + to_text(space));
      result = OwnedArray::view(*out);
    } else {
      result = OwnedArray::allocate(*program_.result_dtype, space);
    }
    const Array& a = result.array();
    for (std::int64_t i = 0; i < element_count(space); ++i)
      store_value(values[static_cast<std::size_t>(i)], broadcast_element(a, unravel(i, space)), a.dtype);
    return result;
  }

  const CheckedProgram& program_;
  std::span<const Array> args_;
  Shape full_;                                             // the broadcast shape
  std::vector<std::optional<std::vector<Value>>> assigned_;  // per slot: values assigned so far
  std::vector<std::vector<double>> assigned_scales_;         // per slot: their scales (see run)
  mutable double scale_ = 0;  // the element being computed: largest intermediate magnitude so far
};


}  // namespace

OwnedArray reference_run(const CheckedProgram& program, std::span<const Array> args, const Array* out,
                         ReferenceScales* scales) {
  return Evaluator(program, args).run(out, scales);
}

}  // namespace exprvm::testing
