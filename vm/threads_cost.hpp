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
  double fork_join_ns;        // starting and joining the tasks of one parallel run, workers asleep
  double fork_join_awake_ns;  // the same while the workers are awake (within 1 ms of their last task)
  double cross_core_ns_per_byte;  // extra cost per byte another core reads from the caller's cache
  double caller_cache_bytes;  // arrays larger than this come from memory for every core alike
};
const ParallelCosts& parallel_costs();

// Bytes of the largest cache level the calling core has (Linux's sysfs cache description of
// cpu0, e.g. 32 MB: one Zen 5 CCD's L3, where glibc's sysconf(_SC_LEVEL3_CACHE_SIZE) reported
// the whole host's 384 MB in a KVM guest); 0 when unknown. Runs whose arrays together exceed it
// write their outputs with non-temporal stores (vm/executor.cpp, finish_plan).
double last_level_cache_bytes();

// How a JIT-compiled program's work per element follows from the kernel weights (see
// jit_work_ns_per_element): the fused loop loads and stores each caller array once per element
// (ns_per_byte) and computes each fused instruction in registers, at a fraction of its
// kernel's weight (which includes the kernel's own pass over memory): fused_factor for
// arithmetic, comparisons and selections, divide_factor for division and square root (bound by
// the divider, not by memory); a called function costs its kernel's weight.
struct JitCosts {
  double ns_per_byte;
  double fused_factor;
  double divide_factor;
};
const JitCosts& jit_costs();

// Nanoseconds per element of one instruction's kernel (`op` on `dtype`, CAST from `src`) on
// L1-resident chunks, on one thread of `isa`.
double kernel_ns_per_element(Op op, DType dtype, DType src, Isa isa);

// Estimated serial nanoseconds per element of `bc`'s chunk loop on `isa`: the sum of its
// instructions' kernel costs (its reduction's fold included).
double work_ns_per_element(const Bytecode& bc, Isa isa);

// The work of `bc` on `isa` split by what the JIT does with each instruction
// (jit::is_fusable): the kernel weights of the instructions the fused loop computes itself
// (its reduction's fold included; division and square root apart), and of those it calls
// (vector calls and whole-chunk kernels).
struct WorkSplit {
  double fused_ns = 0;
  double divide_ns = 0;
  double called_ns = 0;
};
WorkSplit jit_work_split(const Bytecode& bc, Isa isa);

// Estimated serial nanoseconds per element of `bc` once JIT-compiled, on `isa`:
//   array_bytes_per_element * ns_per_byte + fused_factor * fused_ns
//     + divide_factor * divide_ns + called_ns
// (not capped by work_ns_per_element: its L1 weights undercount the traffic of arrays past L1,
// which the byte term prices). Long fused chains cost a fraction of their interpreted work (the
// parallel threshold moves up); programs dominated by function calls (tanh, exp, sin) keep theirs.
double jit_work_ns_per_element(const Bytecode& bc, Isa isa);

// Bytes of caller arrays one element of `bc` reads and writes (inputs read, outputs, an
// elementwise result; a reduction writes its result once).
double array_bytes_per_element(const Bytecode& bc);

// Whether running n elements on `threads` threads is estimated faster than on one:
//   serial   n * work
//   parallel n * work / threads + fork_join_ns + (while the arrays fit the caller's cache, which
//            the other threads must read from) n * bytes * cross_core_ns_per_byte * (threads - 1) / threads
bool parallel_pays(std::int64_t n, double work_ns_per_element, double bytes_per_element,
                   int threads, double fork_join_ns, double cross_core_ns_per_byte);

// parallel_pays for the two states a run can find: Parallel when it pays from cold (workers
// asleep, the arrays in the caller's cache: fork_join_ns and cross_core_ns_per_byte);
// WhileAwake when it pays only in a loop of parallel runs (workers awake, and each core finding
// its own part of the arrays in its own cache, as the static partition gives every run the
// same parts while the arrays fit the threads' L2s, see parallel_ranges: fork_join_awake_ns,
// no cross-core term); else Serial, a decision a bound
// program keeps. parallel_in_loop (vm/threads.hpp) decides WhileAwake runs.
enum class ParallelVerdict { Serial, WhileAwake, Parallel };
ParallelVerdict parallel_verdict(std::int64_t n, double work_ns_per_element,
                                 double bytes_per_element, int threads);

}  // namespace exprvm::vm
