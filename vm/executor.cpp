#include "vm/executor.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "core/fault_injection.hpp"
#include "core/numpy_scalar.hpp"
#include "vm/binding.hpp"
#include "vm/convert.hpp"
#include "vm/executor_direct.hpp"
#include "vm/fast_path.hpp"
#include "vm/threads.hpp"
#include "vm/threads_cost.hpp"

namespace exprvm::vm {
namespace {

std::size_t round64(std::size_t n) { return (n + 63) / 64 * 64; }

}  // namespace

void divide_by_count(void* acc, DType t, std::int64_t count) {
  if (!is_native(t) || (kind_of(t) != Kind::Float && kind_of(t) != Kind::Complex))
    throw Error(ErrorKind::Internal, "mean of a non-float accumulator");
  with_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using R = numpy::RealPart<T>;
    if constexpr (std::is_floating_point_v<R>) *static_cast<T*>(acc) /= static_cast<R>(count);
  });
}

namespace {

// The program's chunk code compiled with the kernels of `isa` for the instructions it calls
// (out of line: run_plan stays a short function).
[[gnu::noinline]] std::unique_ptr<jit::Code> compile_jit(const Executable& ex, int isa) {
  std::vector<Kernel> kernels;
  for (const ExecInstr& e : ex.main[isa]) kernels.push_back(e.fn);
  return jit::compile(ex.code, kernels, nullptr, nullptr, static_cast<Isa>(isa));
}

// The executor body over one plan, with the ISA, the JIT code (null: interpret) and the
// choice of the thread pool fixed for the run.
class Runner {
 public:
  // Everything the run allocates is allocated here, before it writes anything: the calling
  // thread's register file (unless the plan has a fixed one) and, for a parallel run, one
  // register file per slot of the pool (so an allocation failure leaves every output untouched).
  Runner(const RunPlan& plan, int isa, const jit::Code* jit_code, bool parallel)
      : p_(plan), ex_(*plan.ex), bc_(ex_.code), isa_(isa), jit_code_(jit_code),
        jit_(jit_code_ ? jit_code_->fn() : nullptr),
        jit_body_(jit_code_ ? jit_code_->fn(plan.streaming) : nullptr),
        jit_reduces_(jit_code_ && jit_code_->reduces()),
        jit_ranges_(jit_code_ && jit_code_->any_length() && !bc_.reduction && all_direct()),
        jit_ranges_reduce_(jit_reduces_ && jit_code_->any_length() && ex_.chunk == kChunk && all_direct()) {
    if (!parallel && p_.fixed_registers) return;
    file_bytes_ = round64(round64(p_.register_template.size() * sizeof(void*)) + p_.buffer_count * kRegisterBytes);
    if (!p_.fixed_registers) own_file_ = thread_scratch(1, file_bytes_);
    if (parallel) {
      team_ = current_team();
      slots_ = static_cast<std::size_t>(team_slots(*team_));
      balanced_ = static_cast<double>(p_.n) * ex_.array_bytes >
                  static_cast<double>(slots_) * parallel_costs().caller_cache_bytes;
      slot_files_ = thread_scratch(2, slots_ * file_bytes_);
    }
  }

  void run() const {
    void** regs = registers();
    if (ex_.has_prologue) run_prologue(p_, regs, isa_);
    if (!bc_.reduction) elementwise(regs);
    else if (bc_.reduction->axis) axis_reduction(regs);
    else full_reduction(regs);
  }

 private:
  // The calling thread's register file.
  void** registers() const { return p_.fixed_registers ? p_.fixed_registers : registers_in(own_file_); }

  // A register file laid out in `s` (file_bytes_ bytes): the template, then the chunk buffers.
  void** registers_in(std::byte* s) const {
    const std::size_t table = round64(p_.register_template.size() * sizeof(void*));
    auto** regs = reinterpret_cast<void**>(s);
    std::copy(p_.register_template.begin(), p_.register_template.end(), regs);
    for (const auto& [reg, buffer] : p_.chunk_buffers) regs[reg] = s + table + buffer * kRegisterBytes;
    return regs;
  }

  // Elements [start, start + len) through every instruction (and, when the JIT code reduces,
  // folded into *acc).
  void chunk(void** regs, std::int64_t start, std::size_t len, void* acc = nullptr, std::size_t acc_stride = 0) const {
    fault::before_chunk();
    for (const BoundReg& b : p_.bound) {
      const std::size_t size = b.size;
      if (b.access == Access::Direct) {  // the common case first: a plain branch, no jump table
        regs[b.reg] = b.base + start * static_cast<std::int64_t>(size);
      } else if (b.access == Access::Gather) {
        gather(*p_.space, *b.view, start, len, regs[b.reg], b.dtype);
      } else if (b.access == Access::StageIn) {
        auto* stage = static_cast<std::byte*>(regs[b.reg]);
        std::memcpy(stage, b.base + start * static_cast<std::int64_t>(size), len * size);
        std::memset(stage + len * size, 0, (p_.padded - len) * size);
      }  // Scatter and StageOut: after the instructions
    }
    const std::size_t kernel_len = p_.padded ? p_.padded : len;
    // (the fold takes len elements; only the unaligned head, at 0, is not past the aligned head)
    if (jit_) (start != 0 || !p_.aligned_head ? jit_body_ : jit_)(jit_reduces_ ? len : kernel_len, regs, acc, acc_stride);
    else for (const ExecInstr& e : ex_.main[isa_]) e.fn(kernel_len, regs[e.d], regs[e.a], regs[e.b], regs[e.c]);
    for (const BoundReg& b : p_.copy_back) {
      if (b.access == Access::Scatter) {
        scatter(*p_.space, *b.view, start, len, regs[b.reg], b.dtype);
      } else {
        std::memcpy(b.base + start * static_cast<std::int64_t>(b.size), regs[b.reg], len * b.size);
      }
    }
  }

  // Chunks of the run: ex_.chunk is a power of two.
  std::size_t chunk_count() const {
    return (static_cast<std::size_t>(p_.n) + ex_.chunk - 1) >> std::countr_zero(ex_.chunk);
  }

  // body(begin, end, registers) over [0, count): on the thread pool, each thread with its own
  // register file, when the cost model says that pays; else on the calling thread with `regs`.
  template <class Body>
  void for_ranges(std::size_t count, void** regs, const Body& body) const {
    if (!team_ || count < 2) return body(0, count, regs);
    parallel_ranges(*team_, count, balanced_, [&](std::size_t begin, std::size_t end, int slot) {
      if (slot < 0 || static_cast<std::size_t>(slot) >= slots_)
        throw Error(ErrorKind::Internal, "thread-pool slot " + std::to_string(slot) + " out of range");
      body(begin, end, registers_in(slot_files_ + static_cast<std::size_t>(slot) * file_bytes_));
    });
  }

  // Chunk c covers [c * chunk - shift, (c + 1) * chunk - shift) clipped to [0, n): the first
  // chunk ends at the aligned head, every later one starts on a cache line of the output.
  // (Elementwise results do not depend on the partition.)
  void elementwise(void** regs) const {
    const std::size_t chunk = ex_.chunk;
    const std::size_t head = p_.aligned_head;
    const std::size_t shift = head ? chunk - head : 0;
    const auto n = static_cast<std::size_t>(p_.n);
    const std::size_t chunks = (n + shift + chunk - 1) >> std::countr_zero(chunk);
    const bool whole_ranges = ex_.streams && all_direct();
    auto body = [&](std::size_t begin, std::size_t end, void** r) {
      for (std::size_t c = begin; c < end; ++c) {
        const std::size_t start = c == 0 ? 0 : c * chunk - shift;
        // The JIT's any-length code and stream programs take the chunks of the range in one
        // call, except the unaligned head (chunk 0 when shifted), so that the rest starts on a
        // cache line of the output (NumPy's 16-byte offset cost 7-8% at 2^18 float32 `p - g`).
        const std::size_t last =
            (jit_ranges_ || whole_ranges) && (c != 0 || !shift) ? end - 1 : c;
        const std::size_t stop = std::min(n, (last + 1) * chunk - shift);
        this->chunk(r, static_cast<std::int64_t>(start), stop - start);
        c = last;
      }
    };
    for_ranges(chunks, regs, body);
  }

  // Folds elements [start, start + length) into acc, chunk by chunk.
  void fold_range(void** regs, std::int64_t start, std::int64_t length, void* acc) const {
    if (jit_ranges_reduce_) return this->chunk(regs, start, static_cast<std::size_t>(length), acc);  // (folds per chunk)
    const Reg src = bc_.reduction->source;
    const auto chunk = static_cast<std::int64_t>(ex_.chunk);
    for (std::int64_t done = 0; done < length; done += chunk) {
      const auto len = static_cast<std::size_t>(std::min<std::int64_t>(chunk, length - done));
      this->chunk(regs, start + done, len, acc);
      if (!jit_reduces_) ex_.reduce[isa_](len, acc, regs[src], nullptr, nullptr);
    }
  }

  // Reduction over all elements: blocks of whole chunks (kMaxReductionBlocks at most), each
  // folded in order, then the block results folded in order.
  void full_reduction(void** regs) const {
    const ReductionPlan& plan = *bc_.reduction;
    const std::size_t isz = itemsize(plan.dtype);
    const std::size_t chunk = ex_.chunk;
    // Plain variables, not a structured binding: the lambda below captures them, which clang 14
    // (the fuzz and sanitizer builds) rejects for structured bindings.
    const ReductionBlocks partition = reduction_blocks(chunk_count());
    const std::size_t per_block = partition.per_block, blocks = partition.count;
    alignas(64) std::byte partials[kMaxReductionBlocks * 16];
    for_ranges(blocks, regs, [&](std::size_t begin, std::size_t end, void** r) {
      if (jit_ranges_reduce_ && per_block == 1) {  // one JIT call folds each chunk into its block's partial
        for (std::size_t blk = begin; blk < end; ++blk) std::memcpy(partials + blk * isz, ex_.reduction_identity, isz);
        const auto start = static_cast<std::int64_t>(begin * chunk);
        const auto stop = std::min(static_cast<std::int64_t>(end * chunk), p_.n);
        return this->chunk(r, start, static_cast<std::size_t>(stop - start), partials + begin * isz, isz);
      }
      for (std::size_t blk = begin; blk < end; ++blk) {
        void* acc = partials + blk * isz;
        std::memcpy(acc, ex_.reduction_identity, isz);
        const auto start = static_cast<std::int64_t>(blk * per_block * chunk);
        fold_range(r, start, std::min<std::int64_t>(per_block * chunk, p_.n - start), acc);
      }
    });
    finish_full_reduction(p_, isa_, partials, blocks);
  }

  // Reduction along one axis (moved last): each row folded in order by one thread.
  void axis_reduction(void** regs) const {
    const ReductionPlan& plan = *bc_.reduction;
    const std::int64_t rows = p_.row ? p_.n / p_.row : 0;
    for_ranges(static_cast<std::size_t>(rows), regs, [&](std::size_t begin, std::size_t end, void** r) {
      for (std::size_t row = begin; row < end; ++row) {
        alignas(16) std::byte acc[16];
        std::memcpy(acc, ex_.reduction_identity, sizeof acc);
        fold_range(r, static_cast<std::int64_t>(row) * p_.row, p_.row, acc);
        if (plan.mean) divide_by_count(acc, plan.dtype, p_.row);
        scatter(*p_.result_space, *p_.result_view, static_cast<std::int64_t>(row), 1, acc, plan.dtype);
      }
    });
  }

  // Every Input/Output/Result register reads and writes the caller's memory in place.
  bool all_direct() const { return p_.contiguous && !p_.padded; }

  const RunPlan& p_;
  const Executable& ex_;
  const Bytecode& bc_;
  int isa_;
  const jit::Code* jit_code_;  // null: interpret
  jit::ChunkFn jit_;
  jit::ChunkFn jit_body_;  // past the aligned head: jit_, or its streaming variant (RunPlan::streaming)
  bool jit_reduces_;  // jit_ folds the reduction (jit_code_->reduces())
  bool jit_ranges_;  // run whole ranges of chunks in one call (jit_code_->any_length())
  bool jit_ranges_reduce_;  // ... and fold_range's whole range, when jit_ folds the reduction
  std::size_t file_bytes_ = 0;           // one register file
  std::byte* own_file_ = nullptr;        // the calling thread's
  std::shared_ptr<const Team> team_;     // set when the cost model sends the run to the thread pool
  bool balanced_ = false;                // its arrays pass the threads' L2s (see parallel_ranges)
  std::size_t slots_ = 0;                // ... with this many slots
  std::byte* slot_files_ = nullptr;      // ... and their register files, slot after slot
};

// The general path's per-run layout (kept per thread, so steady-state runs reuse its memory):
// the simplified space, each bound register's view and access, the register template.
struct GeneralLayout {
  Space space;
  std::vector<View> views;           // per bound register, in `bound` order
  std::vector<BoundReg> bound, copy_back;
  std::vector<void*> register_template;
  std::vector<std::pair<Reg, int>> chunk_buffers;
  View result_view;

  // Lays out the run of `ex` bound in `b` into `plan`.
  void prepare(const Executable& ex, const Binding& b, RunPlan& plan) {
    const Bytecode& bc = ex.code;
    const std::size_t nregs = bc.regs.size();
    space = b.space;
    views.clear();
    bound.clear();
    copy_back.clear();
    chunk_buffers.clear();
    for (std::size_t r = 0; r < nregs; ++r) {
      const RegInfo& info = bc.regs[r];
      const bool read_input = info.kind == RegKind::Input && bc.last_input_read[info.index] >= 0;
      if (!read_input && info.kind != RegKind::Output && info.kind != RegKind::Result) continue;
      bound.push_back({static_cast<Reg>(r), Access::Direct, info.dtype,
                       static_cast<std::uint32_t>(itemsize(info.dtype)), nullptr, nullptr});
      const Array& a = info.kind == RegKind::Input    ? b.inputs[info.index]
                       : info.kind == RegKind::Output ? b.args[info.index]
                                                      : b.result.array();
      views.push_back(view_of(a, space));
    }
    if (b.axis) move_axis_last(space, views.data(), static_cast<int>(views.size()), *b.axis);
    simplify(space, views.data(), static_cast<int>(views.size()), b.axis.has_value());
    int buffers = bc.temp_count;
    for (std::size_t i = 0; i < bound.size(); ++i) {
      BoundReg& e = bound[i];
      if (views[i].linear && views[i].dtype == e.dtype) {
        e.base = views[i].base;
        continue;
      }
      e.access = bc.regs[e.reg].kind == RegKind::Input ? Access::Gather : Access::Scatter;
      e.view = &views[i];
      chunk_buffers.emplace_back(e.reg, buffers++);
      if (e.access == Access::Scatter) copy_back.push_back(e);
    }
    for (std::size_t r = 0; r < nregs; ++r)
      if (bc.regs[r].kind == RegKind::Temp && bc.regs[r].index >= 0)  // (dead ones keep -1)
        chunk_buffers.emplace_back(static_cast<Reg>(r), bc.regs[r].index);

    plan.ex = &ex;
    plan.n = space.size();
    plan.row = b.axis && space.ndim ? space.shape[space.ndim - 1] : plan.n;
    plan.padded = 0;
    plan.space = &space;
    plan.bound = bound;
    plan.copy_back = copy_back;
    plan.inputs = b.inputs;
    plan.fixed_registers = nullptr;
    plan.chunk_buffers = chunk_buffers;
    plan.buffer_count = buffers;
    prepare_registers(ex, static_cast<std::size_t>(std::min<std::int64_t>(plan.row, ex.chunk)));
    plan.register_template = register_template;
    finish_plan(plan);
    if (bc.reduction && !bc.reduction->axis) {
      plan.result = b.result.array().data;
      plan.result_dtype = b.result.array().dtype;
    } else if (bc.reduction) {
      result_view = view_of(b.result.array(), b.result_space);
      plan.result_space = &b.result_space;
      plan.result_view = &result_view;
    }
  }

 private:
  // The register template: constants, and uniform buffers of `fill` elements in the calling
  // thread's run scratch (read by every thread of the run).
  void prepare_registers(const Executable& ex, std::size_t fill) {
    const Bytecode& bc = ex.code;
    register_template.assign(bc.regs.size() + 1, nullptr);
    std::byte* next = thread_scratch(0, ex.uniforms.size() * round64(fill * 16));
    for (const auto& u : ex.uniforms) {
      register_template[u.reg] = next;
      next += round64(fill * 16);
    }
    for (std::size_t r = 0; r < bc.regs.size(); ++r)
      if (bc.regs[r].kind == RegKind::Const)
        register_template[r] = const_cast<std::byte*>(ex.const_data[bc.regs[r].index]);
  }
};

// The chunk executor's run of `plan` (out of line: run_plan's single-range path needs no Runner).
[[gnu::noinline]] void run_chunks(const RunPlan& plan, int isa, const jit::Code* code, bool parallel) {
  Runner(plan, isa, code, parallel).run();
}

// Zero-size reductions: every result element is the identity (NaN for mean).
void fill_empty_reduction(const Bytecode& bc, Binding& b) {
  const ReductionPlan& plan = *bc.reduction;
  alignas(16) std::byte acc[16];
  reduce_identity(plan.op, plan.dtype, acc);
  if (plan.mean) divide_by_count(acc, plan.dtype, 0);
  const Array& out = b.result.array();
  const View v = view_of(out, b.result_space);
  for (std::int64_t i = 0; i < out.size(); ++i) scatter(b.result_space, v, i, 1, acc, plan.dtype);
}

}  // namespace

void replicate(std::byte* dst, std::size_t size, std::size_t count) {
  std::size_t have = 1;
  while (have < count) {
    const std::size_t n = std::min(have, count - have);
    std::memcpy(dst + have * size, dst, n * size);
    have += n;
  }
}

Executable::Executable(Bytecode bc) : code(std::move(bc)) {
  const Reg none = static_cast<Reg>(code.regs.size());
  for (Isa isa : available_isas()) {
    work_ns[static_cast<int>(isa)] = work_ns_per_element(code, isa);
    jit_work_ns[static_cast<int>(isa)] = jit_work_ns_per_element(code, isa);
    const KernelTable& table = kernel_table(isa);
    auto resolve = [&](const Instruction& ins) {
      const Kernel fn = ins.op == Op::CAST
                            ? table.cast[index_of(ins.dtype)][index_of(ins.src)]
                            : table.op[static_cast<int>(ins.op)][index_of(ins.dtype)];
      if (!fn)
        throw Error(ErrorKind::Internal, "no kernel for " + std::string(op_info(ins.op).spelling) +
                                             "." + std::string(dtype_name(ins.dtype)));
      auto reg = [&](Reg r) { return r == kNoReg ? none : r; };
      return ExecInstr{fn, reg(ins.dst), reg(ins.a), reg(ins.b), reg(ins.c)};
    };
    const int i = static_cast<int>(isa);
    for (const auto& ins : code.code) main[i].push_back(resolve(ins));
    for (const auto& ins : code.prologue) prologue[i].push_back(resolve(ins));
    if (code.reduction) {
      reduce[i] = table.op[static_cast<int>(code.reduction->op)][index_of(code.reduction->dtype)];
      if (!reduce[i]) throw Error(ErrorKind::Internal, "no reduction kernel");
    }
  }
  if (code.reduction) reduce_identity(code.reduction->op, code.reduction->dtype, reduction_identity);
  const std::size_t count = code.constants.size();
  const_storage = std::make_unique_for_overwrite<std::byte[]>(count * kRegisterBytes + 64);
  std::byte* base = const_storage.get();
  base += (64 - reinterpret_cast<std::uintptr_t>(base) % 64) % 64;
  const_data.assign(count, nullptr);
  for (const RegInfo& info : code.regs) {
    if (info.kind != RegKind::Const) continue;
    std::byte* dst = base + info.index * kRegisterBytes;
    const std::size_t size = itemsize(info.dtype);
    std::memcpy(dst, code.constants[info.index].data(), size);
    replicate(dst, size, kChunk);
    const_data[info.index] = dst;
  }
  std::size_t smallest = 16, bytes_per_element = 0;
  for (std::size_t r = 0; r < code.regs.size(); ++r) {
    const RegInfo& info = code.regs[r];
    const auto reg = static_cast<Reg>(r);
    smallest = std::min(smallest, itemsize(info.dtype));
    bytes_per_element += itemsize(info.dtype);
    switch (info.kind) {
      case RegKind::Const: break;
      case RegKind::Temp:  // (a dead temporary keeps index -1: no instruction names it)
        if (info.index >= 0) fast_temps.push_back({reg, info.index});
        break;
      case RegKind::Scalar: uniforms.push_back({reg, info.index}); break;
      case RegKind::Uniform: uniforms.push_back({reg, -1}); break;
      case RegKind::Input:
      case RegKind::Output:
      case RegKind::Result:
        fast_bound.push_back({reg, Access::Direct, info.dtype,
                              static_cast<std::uint32_t>(itemsize(info.dtype)), nullptr, nullptr});
        fast_bound_arg.push_back(info.kind == RegKind::Result ? -1 : info.index);
        break;
    }
  }
  fast_pad = 64 / smallest;
  static_assert(std::has_single_bit(kChunk) && std::has_single_bit(kMinChunk));  // chunk_count
  // Chunks shrink (to kMinChunk) while the registers' chunks would overflow the L1 budget;
  // reductions keep kChunk (their fixed partition, shared with the fast path, assumes it).
  while (!code.reduction && chunk > kMinChunk && chunk * bytes_per_element > kChunkBudgetBytes) chunk /= 2;
  fast_path = (!code.reduction || !code.reduction->axis) && code.regs.size() <= kFastPathMaxRegs;
  array_bytes = array_bytes_per_element(code);
  has_prologue = !uniforms.empty() || !code.prologue.empty();
  streams = !code.reduction && code.prologue.empty() &&
            std::all_of(code.regs.begin(), code.regs.end(), [](const RegInfo& info) {
              return info.kind == RegKind::Input || info.kind == RegKind::Output ||
                     info.kind == RegKind::Result;
            });
}

namespace {

// RunPlan::streaming's rule for a laid-out plan (aligned_head set).
bool streams_outputs(const RunPlan& plan) {
  const Executable& ex = *plan.ex;
  const double llc = last_level_cache_bytes();
  if (ex.code.reduction || llc <= 0 || static_cast<double>(plan.n) * ex.array_bytes <= llc) return false;
  const auto n = static_cast<std::size_t>(plan.n);
  bool any_output = false;
  for (const BoundReg& b : plan.bound) {
    if (b.access != Access::Direct) return false;
    const RegKind kind = ex.code.regs[b.reg].kind;
    if (kind != RegKind::Output && kind != RegKind::Result) continue;
    any_output = true;
    if (reinterpret_cast<std::uintptr_t>(b.base + plan.aligned_head * b.size) % 64 != 0) return false;
    for (const BoundReg& other : plan.bound)  // (Direct buffers of n elements each)
      if (&other != &b && b.base < other.base + n * other.size && other.base < b.base + n * b.size) return false;
  }
  return any_output;
}

}  // namespace

void finish_plan(RunPlan& plan) {
  plan.contiguous = std::all_of(plan.bound.begin(), plan.bound.end(), [](const BoundReg& b) {
    return b.access == Access::Direct || b.access == Access::StageIn || b.access == Access::StageOut;
  });
  const std::optional<ReductionPlan>& reduction = plan.ex->code.reduction;
  plan.direct = plan.fixed_registers && plan.contiguous &&
                (!reduction || (!reduction->axis && plan.ex->chunk == kChunk));
  // Elements before the first cache-line aligned element of the first output (or result)
  // bound straight to the caller's memory, when the run spans several chunks and that output
  // is element-aligned but not line-aligned; else 0. NumPy's arrays are 16-byte aligned (a
  // large one starts 16 bytes into a page), so every 32- or 64-byte vector store, and the
  // loads of arrays laid out alike, would straddle cache lines: in place `p - g` at 2^18
  // float32 ran 1.6x slower (AVX2).
  plan.aligned_head = 0;
  plan.streaming = false;
  if (plan.padded || plan.n <= static_cast<std::int64_t>(plan.ex->chunk)) return;
  for (const BoundReg& b : plan.bound) {
    const RegKind kind = plan.ex->code.regs[b.reg].kind;
    if (b.access != Access::Direct || (kind != RegKind::Output && kind != RegKind::Result)) continue;
    const auto offset = static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(b.base) % 64);
    plan.aligned_head = offset % b.size ? 0 : (64 - offset) % 64 / b.size;
    break;
  }
  plan.streaming = streams_outputs(plan);
}

void run_plan(const RunPlan& plan) {
  const std::uint64_t epoch = settings_epoch.load(std::memory_order_relaxed);
  if (plan.direct_run.epoch == epoch) {
    const RunPlan::DirectRun& d = plan.direct_run;
    if (plan.n >= kParallelMinElements) note_serial_run(plan.ex, plan.n);
    return d.few_partials ? run_few_partials(plan, d.fn, d.isa) : run_direct(plan, d.fn, d.body_fn, d.isa);
  }
  const Executable& ex = *plan.ex;
  const int isa = static_cast<int>(active_isa());
  const jit::Code* code = ex.jit.get(static_cast<Isa>(isa), plan.n, [&] { return compile_jit(ex, isa); });
  const bool direct = plan.direct && code && code->any_length() && (code->reduces() || !ex.code.reduction);
  // JIT code costs less per element than the kernel loop: its own estimate decides (threads_cost.hpp).
  const double work = code ? ex.jit_work_ns[isa] : ex.work_ns[isa];
  const ParallelVerdict verdict = plan.register_template.empty()
                                      ? ParallelVerdict::Serial
                                      : parallel_verdict(plan.n, work, ex.array_bytes, threads());
  const bool parallel = verdict != ParallelVerdict::Serial &&
                        parallel_in_loop(&ex, plan.n, verdict == ParallelVerdict::Parallel);
  if (verdict == ParallelVerdict::Serial && plan.n >= kParallelMinElements) note_serial_run(&ex, plan.n);
  if (direct && verdict == ParallelVerdict::Serial) {
    plan.direct_run = {epoch, code->fn(), code->fn(plan.streaming), isa, few_partials_apply(plan, isa)};  // (the code, once compiled, stays)
    return run_direct(plan, plan.direct_run.fn, plan.direct_run.body_fn, isa);
  }
  if (direct && !parallel) run_direct(plan, code->fn(), code->fn(plan.streaming), isa);
  else run_chunks(plan, isa, code, parallel);
  if (verdict == ParallelVerdict::WhileAwake) finish_loop_run();
}

OwnedArray execute(const Executable& ex, std::span<const Array> args, const Array* out) {
  if (OwnedArray fast; run_fast(ex, args, out, fast)) return fast;
  // Per-thread state, reused so that steady-state runs do not allocate (a thread runs one
  // program at a time: chunk tasks never start runs).
  thread_local Binding b;
  bind(ex.code, args, out, b);
  if (b.space.size() == 0) {
    if (ex.code.reduction) fill_empty_reduction(ex.code, b);
    return std::move(b.result);
  }
  thread_local GeneralLayout layout;
  RunPlan plan;
  layout.prepare(ex, b, plan);
  run_plan(plan);
  return std::move(b.result);
}

}  // namespace exprvm::vm
