#include <algorithm>
#include <cstring>
#include <string>

#include "core/error.hpp"
#include "core/array.hpp"
#include "core/fault_injection.hpp"

namespace exprvm {
namespace {

// The largest array the library allocates (a result): 2**46 bytes (64 TiB); a larger
// broadcast shape is an Error(Shape) before anything is allocated.
constexpr std::uint64_t kMaxAllocationBytes = std::uint64_t{1} << 46;

}  // namespace

bool Array::is_c_contiguous() const {
  std::int64_t expect = static_cast<std::int64_t>(itemsize(dtype));
  for (int d = ndim - 1; d >= 0; --d) {
    if (shape[d] != 1 && strides[d] != expect) return false;
    expect *= shape[d];
  }
  return true;
}

Array Array::from_raw(void* data, DType dtype, std::span<const std::int64_t> shape) {
  if (shape.size() > static_cast<std::size_t>(kMaxDims))
    throw Error(ErrorKind::Argument, "arrays have at most 32 dimensions");
  Array a;
  a.data = data;
  a.dtype = dtype;
  a.ndim = static_cast<int>(shape.size());
  std::int64_t stride = static_cast<std::int64_t>(itemsize(dtype));
  for (int d = a.ndim - 1; d >= 0; --d) {
    a.shape[d] = shape[d];
    a.strides[d] = stride;
    stride *= std::max<std::int64_t>(shape[d], 1);
  }
  return a;
}

Array Array::from_raw(void* data, DType dtype, std::initializer_list<std::int64_t> shape) {
  return from_raw(data, dtype, std::span<const std::int64_t>(shape.begin(), shape.size()));
}

Array Array::strided(void* data, DType dtype, std::span<const std::int64_t> shape,
                     std::span<const std::int64_t> strides) {
  if (shape.size() != strides.size())
    throw Error(ErrorKind::Argument, "shape and strides differ in length");
  Array a = from_raw(data, dtype, shape);
  std::copy(strides.begin(), strides.end(), a.strides.begin());
  return a;
}

OwnedArray OwnedArray::allocate(DType dtype, std::span<const std::int64_t> shape) {
  OwnedArray r;
  // A result's size is bounded only by its broadcast shape (zero-stride inputs are tiny), so
  // the product is checked: beyond kMaxAllocationBytes it is a Shape error, not an overflow.
  const bool empty = std::find(shape.begin(), shape.end(), 0) != shape.end();
  std::uint64_t bytes = empty ? 0 : itemsize(dtype);
  bool too_large = false;
  for (std::size_t d = 0; d < shape.size() && !empty && !too_large; ++d) {
    const auto n = static_cast<std::uint64_t>(shape[d]);  // a negative extent: huge, rejected
    too_large = bytes > kMaxAllocationBytes / n;
    bytes *= n;
  }
  if (too_large) {
    std::string text;
    for (auto s : shape) text += (text.empty() ? "" : ", ") + std::to_string(s);
    throw Error(ErrorKind::Shape, "result too large: shape (" + text + ") of " +
                                      std::string(dtype_name(dtype)) + " needs more than " +
                                      std::to_string(kMaxAllocationBytes) + " bytes");
  }
  fault::before_allocation();
  r.owned_ = std::shared_ptr<std::byte[]>(new std::byte[bytes + 1]);
  r.array_ = Array::from_raw(r.owned_.get(), dtype, shape);
  return r;
}

OwnedArray OwnedArray::view(const Array& a) {
  OwnedArray r;
  r.array_ = a;
  return r;
}

}  // namespace exprvm
