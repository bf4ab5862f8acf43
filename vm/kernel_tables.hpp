// The per-instruction-set kernel tables, each defined by one compilation of
// vm/kernel_table_isa.cpp, and the generic one. Use kernel_table(Isa) from vm/kernel.hpp instead: it checks that
// the CPU can run the table's instructions.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif
#include "vm/kernel.hpp"

namespace exprvm::vm {
const KernelTable& kernel_table_sse2();
const KernelTable& kernel_table_avx2();
const KernelTable& kernel_table_avx512();
// The generic kernels (vm/kernel_table_generic.cpp): only the entries the ISA tables leave empty.
const KernelTable& kernel_table_generic();
}  // namespace exprvm::vm
