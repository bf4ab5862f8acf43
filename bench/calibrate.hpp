// `exprvm bench --calibrate`: measures the weights of the parallel cost model
// (vm/threads_cost.hpp) on this machine and prints them in vm/threads_costs.def's format.
#pragma once

// Prints the table and the machine constants to stdout; returns 0.
int calibrate_parallel_costs();
