// Element conversion between any storage dtype and the VM's native dtypes (NumPy's unsafe
// cast: float -> int truncates, anything -> bool is != 0, complex -> real keeps the real part,
// narrow integer stores wrap), for gathering operands into and scattering results out of
// chunk registers.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif
#include <cstddef>
#include <cstdint>

#include "core/dtype.hpp"

namespace exprvm::vm {

// dst[i] = (dst_t) *(src + i * src_stride) for i < n; dst is contiguous.
void gather_convert(void* dst, DType dst_t, const char* src, std::int64_t src_stride, DType src_t,
                    std::size_t n);
// *(dst + i * dst_stride) = (dst_t) src[i] for i < n; src is contiguous.
void scatter_convert(char* dst, std::int64_t dst_stride, DType dst_t, const void* src, DType src_t,
                     std::size_t n);

}  // namespace exprvm::vm
