// The walk that fills a kernel table, shared by the SIMD tables (vm/kernel_table_isa.cpp) and
// the generic one (vm/kernel_table_generic.cpp): every row of compiler/opcodes.def with every
// native dtype its TYPES column allows, then every (to, from) pair of native dtypes. A Filler
// decides what each reached entry gets:
//   template <Op op, OpForm form, int arity, DType t> static void fill_op(KernelTable&);
//   template <DType to, DType from> static void fill_cast(KernelTable&);
// Both are instantiated only for the entries the walk reaches, so an `if constexpr` in them
// keeps kernels a table does not serve from being instantiated at all.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif
#include <utility>

#include "compiler/opcodes.hpp"
#include "vm/kernel.hpp"

namespace exprvm::vm::kernel_table_builder {

template <class Filler, Op op, OpForm form, int arity, TypeSet types, int t>
void fill_entry(KernelTable& table) {
  if constexpr (form != OpForm::Cast && ((types >> t) & 1u))
    Filler::template fill_op<op, form, arity, DType(t)>(table);
}
template <class Filler, Op op, OpForm form, int arity, TypeSet types, int... t>
void fill_row(KernelTable& table, std::integer_sequence<int, t...>) {
  (fill_entry<Filler, op, form, arity, types, t>(table), ...);
}

template <class Filler, int to, int... from>
void fill_cast_row(KernelTable& table, std::integer_sequence<int, from...>) {
  (Filler::template fill_cast<DType(to), DType(from)>(table), ...);
}
template <class Filler, int... to>
void fill_casts(KernelTable& table, std::integer_sequence<int, to...>) {
  (fill_cast_row<Filler, to>(table, std::make_integer_sequence<int, kNativeDTypeCount>{}), ...);
}

}  // namespace exprvm::vm::kernel_table_builder

namespace exprvm::vm {

// The table `Filler` (see above) makes of the opcode table and the native dtypes.
template <class Filler> KernelTable build_kernel_table() {
  using namespace typeset;
  using namespace kernel_table_builder;
  KernelTable table;
  constexpr auto dtypes = std::make_integer_sequence<int, kNativeDTypeCount>{};
#define X(NAME, SPELLING, FORM, ARITY, TYPES, RESULT, MEANING) \
  fill_row<Filler, Op::NAME, OpForm::FORM, ARITY, static_cast<TypeSet>(TYPES)>(table, dtypes);
#include "compiler/opcodes.def"
#undef X
  fill_casts<Filler>(table, dtypes);
  return table;
}

}  // namespace exprvm::vm
