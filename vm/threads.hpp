// Threads and per-thread scratch memory for the executor.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

namespace exprvm::vm {

// Threads used for large runs (default: all cores). Takes effect for the next run.
int set_threads(int n);
int threads();
int hardware_threads();

// The thread pool of a run (a TBB arena), taken once per run: set_threads replaces the
// pool for later runs while a run keeps its own. team_slots() bounds the slot numbers below.
struct Team;
std::shared_ptr<const Team> current_team();
int team_slots(const Team& team);

// Runs body(begin, end, slot) over [0, count) split into contiguous ranges on `team` (the
// calling thread takes part; only tasks of this call run on the waiting threads). `slot`, in
// [0, team_slots(team)), differs between bodies running at the same time, so a run can
// allocate each slot's memory before it starts. An exception thrown by a body cancels the
// other ranges and is rethrown here once every task has finished.
void parallel_ranges(const Team& team, std::size_t count,
                     const std::function<void(std::size_t, std::size_t, int)>& body);

// Whether a run of `program` over n elements, which the cost model says pays on several
// threads, goes parallel: always when it pays even from cold (`pays_from_cold`). When it pays
// only in a loop of parallel runs (the workers awake, each core finding its part of the arrays
// in its own cache, vm/threads_cost.hpp), only if the calling thread's previous such run went
// parallel or was the same program over the same n, and the workers are likely awake: a
// parallel run ended, or that previous run started, less than 1 ms ago (TBB's workers spin
// for 1-2 ms after their last task, then sleep; `exprvm bench --calibrate` prints the
// fork-join cost after each idle gap). So a loop of one program wakes the workers once and
// goes parallel from its second run, while a run after another program's serial run stays
// serial (that run's outputs sit in the caller's cache). Each call is recorded, as are the
// serial runs given to note_serial_run.
bool parallel_in_loop(const void* program, std::int64_t n, bool pays_from_cold);
// Records a serial run of `program` over n elements on the calling thread for
// parallel_in_loop (its outputs are in this thread's cache).
void note_serial_run(const void* program, std::int64_t n);

// 64-byte aligned scratch owned by the calling thread, grown on demand and kept for reuse,
// so runs in the steady state allocate nothing. `which` selects one of three independent
// areas (0: per-run state of the calling thread, 1: per-chunk registers, 2: the register
// files of a parallel run's slots).
std::byte* thread_scratch(int which, std::size_t bytes);

}  // namespace exprvm::vm
