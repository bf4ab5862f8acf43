// The iteration space of a run: NumPy broadcasting of the operands' shapes, dimensions merged
// where every operand allows it, and chunk-wise access to each operand in C order of the space.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/array.hpp"

namespace exprvm::vm {

struct Space {
  int ndim = 0;
  std::array<std::int64_t, kMaxDims> shape{};
  std::int64_t size() const;
};

// One array seen through a Space: byte strides per space dimension (0 where broadcast).
struct View {
  char* base = nullptr;
  DType dtype = DType::Float64;
  std::array<std::int64_t, kMaxDims> strides{};
  bool linear = false;  // elements i of the space are at base + i * itemsize (set by finalize)
};

// Broadcasts `shape` into `space` (right-aligned), returning false when they are incompatible.
bool broadcast_into(Space& space, const Array& a);
// a's strides in `space` (which a broadcasts to).
View view_of(const Array& a, const Space& space);
// "(2, 3)"
std::string shape_string(const Array& a);
std::string shape_string(const Space& s);

// Drops unit dimensions and merges neighbours that are contiguous in every view, then marks
// the views that are linear. `keep_last` keeps the last dimension separate (axis reductions).
void simplify(Space& space, View* views, int nviews, bool keep_last);
// Moves dimension `axis` of the space and of each view to the end.
void move_axis_last(Space& space, View* views, int nviews, int axis);
void mark_linear(const Space& space, View& v);

// Copies elements [start, start + n) of `v` (C order of the space) into dst as dst_t.
void gather(const Space& space, const View& v, std::int64_t start, std::size_t n, void* dst,
            DType dst_t);
// Writes src (n elements of src_t) to elements [start, start + n) of `v`.
void scatter(const Space& space, const View& v, std::int64_t start, std::size_t n,
             const void* src, DType src_t);

// The byte range [lo, hi) an array's elements occupy (empty for zero-size arrays).
struct Extent {  // an aggregate: Extent{} is empty, arrays of it stay uninitialized
  std::uintptr_t lo, hi;
  bool overlaps(const Extent& o) const { return lo < o.hi && o.lo < hi; }
};
inline Extent extent_of(const Array& a) {  // inline: every small run's aliasing check calls it
  auto lo = reinterpret_cast<std::intptr_t>(a.data);
  std::intptr_t hi = lo;
  for (int d = 0; d < a.ndim; ++d) {
    if (a.shape[d] == 0) return {};
    const std::int64_t span = (a.shape[d] - 1) * a.strides[d];
    (span < 0 ? lo : hi) += span;
  }
  return {static_cast<std::uintptr_t>(lo), static_cast<std::uintptr_t>(hi) + itemsize(a.dtype)};
}
bool same_view(const Array& a, const Array& b);

}  // namespace exprvm::vm
