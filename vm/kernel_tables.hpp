// The per-instruction-set kernel tables, each defined by one compilation of
// vm/kernel_table_isa.cpp. Use kernel_table(Isa) from vm/kernel.hpp instead: it checks that
// the CPU can run the table's instructions.
#pragma once
#include "vm/kernel.hpp"

namespace exprvm::vm {
const KernelTable& kernel_table_sse2();
const KernelTable& kernel_table_avx2();
const KernelTable& kernel_table_avx512();
}  // namespace exprvm::vm
