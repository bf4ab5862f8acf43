#include "vm/binding.hpp"

#include <cstring>

#include "core/fault_injection.hpp"

#include "vm/aliasing.hpp"

namespace exprvm::vm {

void check_argument(const Param& p, const Array& a) {
  auto who = [&] { return "argument '" + p.name + "'"; };
  if (a.dtype != p.dtype)
    throw Error(ErrorKind::Argument, who() + " has dtype " + std::string(dtype_name(a.dtype)) +
                                         " but the program was compiled for " +
                                         std::string(dtype_name(p.dtype)));
  if (a.ndim < 0 || a.ndim > kMaxDims)
    throw Error(ErrorKind::Argument, who() + " has " + std::to_string(a.ndim) +
                                         " dimensions; at most 32 are supported");
  for (int d = 0; d < a.ndim; ++d)
    if (a.shape[d] < 0) throw Error(ErrorKind::Argument, who() + " has a negative dimension");
  if (a.size() > 0 && a.data == nullptr)
    throw Error(ErrorKind::Argument, who() + " has no data pointer");
  if (p.scalar && a.size() != 1)
    throw Error(ErrorKind::Argument, who() + " is a scalar but has shape " + shape_string(a));
}

namespace {

bool same_shape(const Array& a, const Space& s) {
  if (a.ndim != s.ndim) return false;
  for (int d = 0; d < s.ndim; ++d)
    if (a.shape[d] != s.shape[d]) return false;
  return true;
}

// A C-ordered copy of a, owned by `storage`.
Array copy_of(const Array& a, std::unique_ptr<std::byte[]>& storage) {
  const std::size_t n = static_cast<std::size_t>(a.size());
  fault::before_allocation();
  storage = std::make_unique<std::byte[]>(n * itemsize(a.dtype) + 1);
  Space own;
  own.ndim = a.ndim;
  for (int d = 0; d < a.ndim; ++d) own.shape[d] = a.shape[d];
  gather(own, view_of(a, own), 0, n, storage.get(), a.dtype);
  return Array::from_raw(storage.get(), a.dtype, std::span(a.shape.data(), a.ndim));
}

// "'name'" of parameter `param`, or "out".
std::string output_name(const Bytecode& bc, int param) {
  return param == kOutArgument ? "out" : "'" + bc.signature[param].name + "'";
}

}  // namespace

void bind(const Bytecode& bc, std::span<const Array> args, const Array* out, Binding& b) {
  const Signature& sig = bc.signature;
  if (args.size() != sig.size()) {
    std::string names;
    for (const auto& p : sig) names += (names.empty() ? "" : ", ") + p.name;
    throw Error(ErrorKind::Argument, "expected " + std::to_string(sig.size()) + " arguments (" +
                                         names + "), got " + std::to_string(args.size()));
  }
  b.args.assign(args.begin(), args.end());
  b.inputs.assign(args.begin(), args.end());
  b.copies.clear();
  b.space = Space{};
  b.axis.reset();
  b.result = OwnedArray{};
  for (std::size_t i = 0; i < sig.size(); ++i) check_argument(sig[i], args[i]);

  for (int p : bc.array_params) {
    if (!broadcast_into(b.space, args[p])) {
      std::string shapes;
      for (int q : bc.array_params)
        shapes += " " + sig[q].name + shape_string(args[q]);
      throw Error(ErrorKind::Shape, "operands could not be broadcast together with shapes" + shapes);
    }
  }
  for (std::size_t i = 0; i < sig.size(); ++i)
    if (bc.is_output[i] && !same_shape(args[i], b.space))
      throw Error(ErrorKind::Shape, "output '" + sig[i].name + "' has shape " +
                                        shape_string(args[i]) + " but the result has shape " +
                                        shape_string(b.space));

  b.result_space = b.space;
  if (bc.reduction && bc.reduction->axis) {
    int axis = *bc.reduction->axis;
    const int ndim = b.space.ndim;
    if (axis < -ndim || axis >= ndim)
      throw Error(ErrorKind::Reduction, "axis " + std::to_string(axis) +
                                            " is out of bounds for an array of dimension " +
                                            std::to_string(ndim));
    if (axis < 0) axis += ndim;
    b.axis = axis;
    for (int d = axis; d + 1 < ndim; ++d) b.result_space.shape[d] = b.result_space.shape[d + 1];
    b.result_space.ndim = ndim - 1;
  } else if (bc.reduction) {
    b.result_space.ndim = 0;
  }

  if (bc.result_dtype) {
    const DType rt = *bc.result_dtype;
    if (out) {
      if (out->ndim < 0 || out->ndim > kMaxDims || !same_shape(*out, b.result_space))
        throw Error(ErrorKind::Shape, "out has shape " + shape_string(*out) +
                                          " but the result has shape " + shape_string(b.result_space));
      if (!can_cast(rt, out->dtype, bc.options.casting))
        throw Error(ErrorKind::Cast, "cannot write the " + std::string(dtype_name(rt)) +
                                         " result into out (" +
                                         std::string(dtype_name(out->dtype)) + ") under casting='" +
                                         std::string(casting_name(bc.options.casting)) + "'");
      if (out->size() > 0 && out->data == nullptr)
        throw Error(ErrorKind::Argument, "out has no data pointer");
    }
  } else if (out) {
    throw Error(ErrorKind::Argument,
                "the program has no result expression (every statement assigns a name), so "
                "out is not used");
  }
  if (bc.reduction && (bc.reduction->op == Op::MIN || bc.reduction->op == Op::MAX)) {
    const std::int64_t length = b.axis ? b.space.shape[*b.axis] : b.space.size();
    if (length == 0)
      throw Error(ErrorKind::Reduction, std::string("zero-size array to reduction '") +
                                            std::string(op_info(bc.reduction->op).spelling) +
                                            "', which has no identity");
  }
  thread_local Aliasing aliasing;  // reused: no allocation per run
  analyze_aliasing(bc, b.args, out, aliasing);
  if (aliasing.outputs_overlap)
    throw Error(ErrorKind::Argument, "outputs " + output_name(bc, aliasing.first) + " and " +
                                         output_name(bc, aliasing.second) + " overlap in memory");
  for (int i : aliasing.copies) {
    b.copies.emplace_back();
    b.inputs[i] = copy_of(b.args[i], b.copies.back());
  }
  if (bc.result_dtype) {
    b.result = out ? OwnedArray::view(*out)
                   : OwnedArray::allocate(*bc.result_dtype, std::span(b.result_space.shape.data(),
                                                        b.result_space.ndim));
  }
}

}  // namespace exprvm::vm
