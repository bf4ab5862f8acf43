#include "vm/iteration.hpp"

#include <algorithm>

#include "vm/convert.hpp"

namespace exprvm::vm {

std::int64_t Space::size() const {
  std::int64_t n = 1;
  for (int d = 0; d < ndim; ++d) n *= shape[d];
  return n;
}

bool broadcast_into(Space& space, const Array& a) {
  if (a.ndim > space.ndim) {
    const int shift = a.ndim - space.ndim;
    for (int d = space.ndim - 1; d >= 0; --d) space.shape[d + shift] = space.shape[d];
    for (int d = 0; d < shift; ++d) space.shape[d] = 1;
    space.ndim = a.ndim;
  }
  const int offset = space.ndim - a.ndim;
  for (int d = 0; d < a.ndim; ++d) {
    std::int64_t& s = space.shape[offset + d];
    const std::int64_t n = a.shape[d];
    if (s == n || n == 1) continue;
    if (s != 1) return false;
    s = n;
  }
  return true;
}

View view_of(const Array& a, const Space& space) {
  View v;
  v.base = static_cast<char*>(a.data);
  v.dtype = a.dtype;
  const int offset = space.ndim - a.ndim;
  for (int d = 0; d < space.ndim; ++d) {
    const int ad = d - offset;
    v.strides[d] = (ad < 0 || a.shape[ad] == 1) ? 0 : a.strides[ad];
  }
  return v;
}

std::string shape_string(const Array& a) {
  Space s;
  s.ndim = a.ndim;
  for (int d = 0; d < a.ndim; ++d) s.shape[d] = a.shape[d];
  return shape_string(s);
}

std::string shape_string(const Space& s) {
  std::string out = "(";
  for (int d = 0; d < s.ndim; ++d) {
    if (d) out += ", ";
    out += std::to_string(s.shape[d]);
  }
  if (s.ndim == 1) out += ",";
  return out + ")";
}

void mark_linear(const Space& space, View& v) {
  const auto isz = static_cast<std::int64_t>(itemsize(v.dtype));
  bool linear = is_native(v.dtype);
  std::int64_t expect = isz;
  for (int d = space.ndim - 1; d >= 0 && linear; --d) {
    if (space.shape[d] != 1 && v.strides[d] != expect) linear = false;
    expect *= space.shape[d];
  }
  v.linear = linear;
}

void simplify(Space& space, View* views, int nviews, bool keep_last) {
  if (space.size() == 0) {  // nothing to iterate; keep shapes for the result
    for (int i = 0; i < nviews; ++i) views[i].linear = false;
    return;
  }
  const int last = space.ndim - 1;
  int out = 0;
  for (int d = 0; d < space.ndim; ++d) {
    if (space.shape[d] == 1 && !(keep_last && d == last)) continue;
    // Merge d into the previous kept dimension when every view is contiguous across them.
    bool merge = out > 0 && !(keep_last && d == last);
    for (int i = 0; i < nviews && merge; ++i)
      merge = views[i].strides[out - 1] == views[i].strides[d] * space.shape[d];
    if (merge) {
      space.shape[out - 1] *= space.shape[d];
      for (int i = 0; i < nviews; ++i) views[i].strides[out - 1] = views[i].strides[d];
      continue;
    }
    space.shape[out] = space.shape[d];
    for (int i = 0; i < nviews; ++i) views[i].strides[out] = views[i].strides[d];
    ++out;
  }
  space.ndim = out;
  for (int i = 0; i < nviews; ++i) mark_linear(space, views[i]);
}

void move_axis_last(Space& space, View* views, int nviews, int axis) {
  auto rotate = [&](auto& arr) {
    std::rotate(arr.begin() + axis, arr.begin() + axis + 1, arr.begin() + space.ndim);
  };
  rotate(space.shape);
  for (int i = 0; i < nviews; ++i) rotate(views[i].strides);
}

namespace {

// Calls run(ptr, stride, count) for each run of consecutive elements along the last dimension
// covering elements [start, start + n) of v.
template <class F>
void for_each_run(const Space& space, const View& v, std::int64_t start, std::size_t n, F&& run) {
  if (space.ndim == 0) {
    run(v.base, std::int64_t{0}, n);
    return;
  }
  std::array<std::int64_t, kMaxDims> idx{};
  std::int64_t rest = start;
  char* p = v.base;
  for (int d = space.ndim - 1; d >= 0; --d) {
    idx[d] = rest % space.shape[d];
    rest /= space.shape[d];
    p += idx[d] * v.strides[d];
  }
  const int last = space.ndim - 1;
  std::size_t done = 0;
  while (done < n) {
    const auto count = static_cast<std::size_t>(
        std::min<std::int64_t>(space.shape[last] - idx[last], static_cast<std::int64_t>(n - done)));
    run(p, v.strides[last], count);
    done += count;
    p += static_cast<std::int64_t>(count) * v.strides[last];
    idx[last] += static_cast<std::int64_t>(count);
    for (int d = last; d > 0 && idx[d] == space.shape[d]; --d) {
      p -= idx[d] * v.strides[d];
      idx[d] = 0;
      ++idx[d - 1];
      p += v.strides[d - 1];
    }
  }
}

}  // namespace

void gather(const Space& space, const View& v, std::int64_t start, std::size_t n, void* dst,
            DType dst_t) {
  char* out = static_cast<char*>(dst);
  const std::size_t isz = itemsize(dst_t);
  for_each_run(space, v, start, n, [&](char* p, std::int64_t stride, std::size_t count) {
    gather_convert(out, dst_t, p, stride, v.dtype, count);
    out += count * isz;
  });
}

void scatter(const Space& space, const View& v, std::int64_t start, std::size_t n,
             const void* src, DType src_t) {
  const char* in = static_cast<const char*>(src);
  const std::size_t isz = itemsize(src_t);
  for_each_run(space, v, start, n, [&](char* p, std::int64_t stride, std::size_t count) {
    scatter_convert(p, stride, v.dtype, in, src_t, count);
    in += count * isz;
  });
}

bool same_view(const Array& a, const Array& b) {
  if (a.data != b.data || a.dtype != b.dtype || a.ndim != b.ndim) return false;
  for (int d = 0; d < a.ndim; ++d)
    if (a.shape[d] != b.shape[d] || (a.shape[d] > 1 && a.strides[d] != b.strides[d])) return false;
  return true;
}

}  // namespace exprvm::vm
