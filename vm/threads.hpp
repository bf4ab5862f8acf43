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
// A run whose arrays fit the threads' caches (`balanced` false) splits [0, count) statically,
// one range per thread, so every run gives each core the same part and it finds that part in
// its own cache (TBB's dynamic partitions measured 1.2-1.4x slower there). A run over arrays
// past them (`balanced`) splits into 16 ranges per thread (fewer when count is smaller), taken
// by whichever thread is free: there a static half waited for a descheduled vCPU (steal time
// 8-20 % on the Zen 5 guest), and 2 threads ran ELU at 2^24 elements 1.06-1.12x faster than 1
// where the xsimd loop, dynamically split, ran 1.73-1.88x faster.
void parallel_ranges(const Team& team, std::size_t count, bool balanced,
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
// In such a loop the choice is then measured, not assumed (see LoopChoice): the run is timed
// (finish_loop_run), and parallel and serial runs are compared on this machine as it is now.
bool parallel_in_loop(const void* program, std::int64_t n, bool pays_from_cold);
// Ends a run that asked parallel_in_loop and was not parallel from cold: records its time.
void finish_loop_run();

// The measured choice for a loop of one program over one n whose parallel runs pay only by
// the model's estimate of an awake pool: a few microseconds of fork-join, which differs by
// machine and load (on an AMD EPYC guest, 2 threads took 1.3-2.8x the serial time of fused
// Adam at 4096-16384 elements where the model expected a gain). Each option is measured over
// kWindow consecutive runs, parallel first, and its estimate is the fastest of its last
// kWindow runs: a worker busy in another arena or asleep joins 100-250 us late there (those
// runs cost what serial ones do, one up to 130 us), so the slower runs say little. The loop
// stays parallel unless that is kSlowerBy slower than serial; kExploreAfterNs after the last
// measurement the other option is measured again, so a changed machine or load turns the
// choice (by time, not runs: measuring parallel after serial runs costs 50-130 us). A first
// verdict for serial is confirmed kConfirmAfterNs later by measuring parallel once more: on a
// guest whose host deschedules the second vCPU for milliseconds at a time (steal time 8-20 %
// on the Zen 5 guest), all kWindow parallel runs of one measurement can fall in such a gap,
// and a loop then ran serial, 1.9x slower, for the next 50 ms (tanh of ReLU, float64, 65536
// elements: a quarter of 4000 runs; sin**2 + cos**2 at 16384: all of them in one run).
class LoopChoice {
 public:
  static constexpr int kWindow = 8;
  static constexpr double kSlowerBy = 1.05;
  static constexpr std::int64_t kExploreAfterNs = 50'000'000;
  static constexpr std::int64_t kConfirmAfterNs = 5'000'000;
  // Whether the next run, starting at now_ns (steady clock), goes parallel.
  bool parallel_next(std::int64_t now_ns);
  // Records the time of a run that went parallel or not.
  void record(bool parallel, std::int64_t ns);

 private:
  struct Estimate {
    std::int64_t ns[kWindow] = {};  // the last runs' times (ring)
    int next = 0;                   // where the next run's time goes
    int count = 0;                  // runs recorded, at most kWindow
    std::int64_t best() const;      // the fastest of the last kWindow runs
  };
  Estimate parallel_, serial_;
  std::int64_t measured_ns_ = -1;  // when both were measured last (-1: not yet)
  int explore_left_ = 0;           // runs of `exploring_` still to come
  bool exploring_ = false;         // the option being measured again
  // The verdict of the last decision: parallel; serial, not yet confirmed; or serial once
  // parallel has been measured again since it formed (the next measurement then waits
  // kExploreAfterNs, not kConfirmAfterNs).
  enum class Verdict : char { Parallel, Serial, SerialConfirmed };
  Verdict verdict_ = Verdict::Parallel;
};

// Records a serial run of `program` over n elements on the calling thread for
// parallel_in_loop (its outputs are in this thread's cache).
void note_serial_run(const void* program, std::int64_t n);

// 64-byte aligned scratch owned by the calling thread, grown on demand and kept for reuse,
// so runs in the steady state allocate nothing. `which` selects one of three independent
// areas (0: per-run state of the calling thread, 1: per-chunk registers, 2: the register
// files of a parallel run's slots).
std::byte* thread_scratch(int which, std::size_t bytes);

}  // namespace exprvm::vm
