// Array: a non-owning view of caller memory (pointer, dtype, shape, byte strides), and
// OwnedArray, a view that also owns its buffer (results exprvm allocates).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include "core/dtype.hpp"
#include "core/export.hpp"

namespace exprvm {

inline constexpr int kMaxDims = 32;

struct EXPRVM_API Array {
  void* data = nullptr;
  DType dtype = DType::Float64;
  int ndim = 0;                              // 0 = a single value
  // Only entries [0, ndim) are meaningful (and copied): a run copies Arrays, and copying all
  // 32 dimensions of both would cost more than a small run itself.
  std::array<std::int64_t, kMaxDims> shape;
  std::array<std::int64_t, kMaxDims> strides;  // in bytes; may be 0 or negative

  Array() = default;
  Array(const Array& other) { copy_from(other); }
  Array& operator=(const Array& other) {
    copy_from(other);
    return *this;
  }

  std::int64_t size() const {                // product of the shape (1 for 0-d)
    std::int64_t n = 1;
    for (int d = 0; d < ndim; ++d) n *= shape[d];
    return n;
  }
  bool is_c_contiguous() const;

  // A C-ordered view of `count` elements at `data` with the given shape (default 1-d).
  static Array from_raw(void* data, DType dtype, std::span<const std::int64_t> shape);
  static Array from_raw(void* data, DType dtype, std::initializer_list<std::int64_t> shape);
  // A view with explicit byte strides.
  static Array strided(void* data, DType dtype, std::span<const std::int64_t> shape,
                       std::span<const std::int64_t> strides);

  template <class T>
  static Array from(std::span<T> values) {
    return from_raw(const_cast<std::remove_const_t<T>*>(values.data()),
                    dtype_of<std::remove_const_t<T>>::value,
                    {static_cast<std::int64_t>(values.size())});
  }
  template <class T>
  static Array from(std::vector<T>& values) { return from(std::span<T>(values)); }
  // A 0-d view of one value.
  template <class T>
  static Array scalar(T& value) { return from_raw(&value, dtype_of<T>::value, {}); }

 private:
  void copy_from(const Array& other) {
    data = other.data;
    dtype = other.dtype;
    ndim = other.ndim;  // an invalid ndim is kept for validation to report, never overrun
    for (int d = 0; d < ndim && d < kMaxDims; ++d) {
      shape[d] = other.shape[d];
      strides[d] = other.strides[d];
    }
  }
};

// A result exprvm allocated (C order), or a view of the caller's `out`.
class EXPRVM_API OwnedArray {
 public:
  OwnedArray() = default;
  static OwnedArray allocate(DType dtype, std::span<const std::int64_t> shape);
  static OwnedArray view(const Array& a);

  const Array& array() const { return array_; }
  bool empty() const { return array_.data == nullptr && !owned_; }
  template <class T> T* data() const { return static_cast<T*>(array_.data); }
  // Element i in C order of a C-contiguous result.
  template <class T> T at(std::int64_t i) const { return data<T>()[i]; }

 private:
  Array array_;
  std::shared_ptr<std::byte[]> owned_;
};

}  // namespace exprvm
