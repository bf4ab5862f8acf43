// `exprvm bench --calibrate`: measures the weights of the parallel cost model
// (vm/threads_cost.hpp) on this machine and prints them in vm/threads_costs.def's format,
// then its machine constants and the JIT terms (vm::JitCosts) for vm/threads_cost.cpp.
#pragma once

// Prints the table, the machine constants and the JIT terms to stdout; returns 0.
int calibrate_parallel_costs();
