#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "core/array.hpp"

namespace exprvm {

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
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  const std::size_t bytes = static_cast<std::size_t>(n) * itemsize(dtype);
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
