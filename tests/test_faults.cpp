// Faults inside a run (core/fault_injection.hpp): a failing allocation of a result, a staging
// copy or a register file, and an exception thrown inside a chunk (on a thread-pool task when
// the run is parallel), reach the caller as an error; an allocation failure leaves every
// output untouched (the run allocates before its first write); no task outlives the call.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <new>
#include <thread>
#include <vector>

#include <exprvm/exprvm.h>
#include <exprvm/exprvm.hpp>
#include "core/fault_injection.hpp"
#include "vm/executor.hpp"

namespace exprvm {
namespace {

// Disarms both hooks and restores the thread count at the end of a test.
struct FaultScope {
  int threads = get_num_threads();
  ~FaultScope() {
    fault::fail_allocation(0);
    fault::fail_chunk(0);
    set_num_threads(threads);
  }
};

// Runs f on a new thread (whose scratch memory is not yet allocated) and rethrows its exception.
template <class F>
void on_fresh_thread(F&& f) {
  std::exception_ptr failure;
  std::thread t([&] {
    try {
      f();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  t.join();
  if (failure) std::rethrow_exception(failure);
}

TEST_CASE("a failing allocation of the result is std::bad_alloc and nothing is written", "[faults]") {
  FaultScope scope;
  std::vector<double> a = {1, 2, 3};
  fault::fail_allocation(1);
  CHECK_THROWS_AS(evaluate("a * 2", {{"a", Array::from(a)}}), std::bad_alloc);
  fault::fail_allocation(0);
  CHECK(evaluate("a * 2", {{"a", Array::from(a)}}).at<double>(2) == 6);
}

TEST_CASE("a failing staging copy of an aliased input leaves out untouched", "[faults]") {
  FaultScope scope;
  std::vector<double> buffer = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const Program p = compile("a * 10", {{"a", DType::Float64}});
  const Array a = Array::from_raw(buffer.data(), DType::Float64, {8});
  Array out = Array::from_raw(buffer.data() + 1, DType::Float64, {8});  // overlaps a, shifted
  const std::vector<double> before = buffer;
  const Array args[] = {a};
  bool failed_once = false, completed = false;
  for (int k = 1; k <= 6 && !completed; ++k) {
    fault::fail_allocation(k);
    try {
      on_fresh_thread([&] { p.run(args, &out); });
      completed = true;  // the run needed fewer than k allocations
    } catch (const std::bad_alloc&) {
      failed_once = true;
      CHECK(buffer == before);
    }
    fault::fail_allocation(0);
  }
  CHECK(failed_once);
  REQUIRE(completed);
  for (int i = 0; i < 8; ++i) CHECK(buffer[i + 1] == before[i] * 10);
}

// A parallel run into a caller buffer: every k-th allocation failing either leaves `out`
// exactly as it was or (once the run no longer allocates) the run completes.
TEST_CASE("allocation failures of a parallel run: out fully written or untouched", "[faults]") {
  FaultScope scope;
  set_num_threads(2);
  const std::size_t n = 4 * (std::size_t{1} << 15) + 17;  // a run of 65553 elements, half of them strided
  std::vector<double> a(n), b(n), out(n, -1.0);
  for (std::size_t i = 0; i < n; ++i) a[i] = static_cast<double>(i), b[i] = 0.5;
  // a strided input takes the gathering path, whose register files have chunk buffers
  const std::int64_t half = static_cast<std::int64_t>(n / 2), stride[] = {16};
  const Array a_strided = Array::strided(a.data(), DType::Float64, std::span(&half, 1), stride);
  const Program p = compile("a * b + 1", {{"a", DType::Float64}, {"b", DType::Float64}});
  const Array args[] = {a_strided, Array::from_raw(b.data(), DType::Float64, {half})};
  Array out_view = Array::from_raw(out.data(), DType::Float64, {half});
  int failures = 0;
  bool completed = false;
  for (int k = 1; k <= 8 && !completed; ++k) {
    std::fill(out.begin(), out.end(), -1.0);
    fault::fail_allocation(k);
    try {
      on_fresh_thread([&] { p.run(args, &out_view); });
      completed = true;
    } catch (const std::bad_alloc&) {
      ++failures;
      CHECK(std::all_of(out.begin(), out.end(), [](double v) { return v == -1.0; }));
    }
    fault::fail_allocation(0);
  }
  CHECK(failures >= 1);
  REQUIRE(completed);
  for (std::int64_t i = 0; i < half; ++i) CHECK(out[i] == a[2 * i] * 0.5 + 1);
}

TEST_CASE("an exception inside a thread-pool task reaches the caller; no task outlives the call", "[faults]") {
  FaultScope scope;
  set_num_threads(2);
  // Large enough for the cost model to go parallel; the fused paths (JIT, temporary-free
  // programs) run a thread's whole range in one chunk call, so only the first few are counted.
  const std::size_t n = std::size_t{1} << 22;  // parallel even from cold (a run of 1 ms or more)
  std::vector<float> a(n, 2.0f), out(n, 0.0f);
  const Program p = compile("a * a", {{"a", DType::Float32}});
  const Array args[] = {Array::from(a)};
  Array out_view = Array::from(out);
  for (int k : {1, 2}) {
    fault::fail_chunk(k);
    try {
      p.run(args, &out_view);
      FAIL("the injected fault was not reported");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::Internal);
      CHECK(e.message() == "injected fault in a chunk of the run");
    }
    // the run has stopped: nothing writes into out after the call returned
    const std::vector<float> snapshot = out;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(out == snapshot);
  }
  fault::fail_chunk(0);
  p.run(args, &out_view);
  CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == 4.0f; }));
}

TEST_CASE("the C API reports an allocation failure as EXPRVM_ERROR_OUT_OF_MEMORY", "[faults]") {
  FaultScope scope;
  const exprvm_param params[] = {{"a", EXPRVM_FLOAT64, 0}};
  exprvm_error* err = nullptr;
  exprvm_program* program = exprvm_compile("a * 10", params, 1, &err);
  REQUIRE(program);
  double buffer[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const double before[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::int64_t n = 8;
  exprvm_array a = {buffer, EXPRVM_FLOAT64, 1, &n, nullptr};
  exprvm_array out = {buffer + 1, EXPRVM_FLOAT64, 1, &n, nullptr};  // aliased: a staging copy
  fault::fail_allocation(1);
  int status = 0;
  on_fresh_thread([&] { status = exprvm_run(program, &a, 1, &out, &err); });
  CHECK(status != 0);
  CHECK(exprvm_error_kind(err) == EXPRVM_ERROR_OUT_OF_MEMORY);
  CHECK(std::memcmp(buffer, before, sizeof buffer) == 0);
  exprvm_error_free(err);
  exprvm_program_free(program);
}

}  // namespace
}  // namespace exprvm
