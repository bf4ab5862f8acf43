// When a run goes parallel: a cost model from the program's work per element (measured kernel
// costs per opcode and ISA, vm/threads_costs.def) and the bytes of caller arrays it moves per
// element, instead of a fixed element count. `exprvm bench --calibrate` measures every weight
// on the machine it runs on and prints them in the .def file's format (README: Benchmark).
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif
#include <cstdint>

#include "compiler/bytecode.hpp"
#include "vm/kernel.hpp"

namespace exprvm::vm {

// The model's machine constants (measured by `exprvm bench --calibrate`, see threads_cost.cpp).
struct ParallelCosts {
  double fork_join_ns;        // starting and joining the tasks of one parallel run
  double cross_core_ns_per_byte;  // extra cost per byte another core reads from the caller's cache
  double caller_cache_bytes;  // arrays larger than this come from memory for every core alike
};
const ParallelCosts& parallel_costs();

// Nanoseconds per element of one instruction's kernel (`op` on `dtype`, CAST from `src`) on
// L1-resident chunks, on one thread of `isa`.
double kernel_ns_per_element(Op op, DType dtype, DType src, Isa isa);

// Estimated serial nanoseconds per element of `bc`'s chunk loop on `isa`: the sum of its
// instructions' kernel costs (its reduction's fold included).
double work_ns_per_element(const Bytecode& bc, Isa isa);

// Bytes of caller arrays one element of `bc` reads and writes (inputs read, outputs, an
// elementwise result; a reduction writes its result once).
double array_bytes_per_element(const Bytecode& bc);

// Whether running n elements on `threads` threads is estimated faster than on one:
//   serial   n * work
//   parallel n * work / threads + fork_join + (while the arrays fit the caller's cache, which
//            the other threads must read from) n * bytes * cross_core * (threads - 1) / threads
bool parallel_pays(std::int64_t n, double work_ns_per_element, double bytes_per_element,
                   int threads);

}  // namespace exprvm::vm
