#include "vm/executor.hpp"

#include <algorithm>
#include <cstring>

#include "core/numpy_scalar.hpp"
#include "vm/binding.hpp"
#include "vm/convert.hpp"
#include "vm/fast_path.hpp"
#include "vm/threads.hpp"

namespace exprvm::vm {
namespace {

constexpr std::size_t kMaxReductionBlocks = 64;

std::size_t round64(std::size_t n) { return (n + 63) / 64 * 64; }

bool is_uniform(RegKind k) { return k == RegKind::Scalar || k == RegKind::Uniform; }

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

// Everything a chunk needs, prepared once per run on the calling thread.
struct Run {
  const Executable* ex = nullptr;
  const Bytecode* bc = nullptr;
  Isa isa = Isa::Sse2;
  Space space;
  std::vector<View> views;          // per register (meaningful for Input/Output/Result)
  std::vector<char> direct;         // per register: bound in place to the caller's memory
  std::vector<int> buffer;          // per register: chunk buffer index (Temp and indirect I/O)
  std::vector<Reg> bound;           // Input/Output/Result registers
  std::vector<std::byte*> uniform;  // per register: broadcast buffer of Scalar/Uniform regs
  std::vector<View> packed;         // views of `bound`, in order, while being simplified
  int buffers = 0;

  std::size_t chunk_bytes() const {
    return round64((bc->regs.size() + 1) * sizeof(void*)) + buffers * kRegisterBytes;
  }

  // The calling thread's register pointer array for this run.
  void** registers() const {
    std::byte* s = thread_scratch(1, chunk_bytes());
    auto** regs = reinterpret_cast<void**>(s);
    std::byte* area = s + round64((bc->regs.size() + 1) * sizeof(void*));
    for (std::size_t r = 0; r < bc->regs.size(); ++r) {
      const RegInfo& info = bc->regs[r];
      if (info.kind == RegKind::Const) regs[r] = const_cast<std::byte*>(ex->const_data[info.index]);
      else if (is_uniform(info.kind)) regs[r] = uniform[r];
      else if (buffer[r] >= 0) regs[r] = area + buffer[r] * kRegisterBytes;
      else regs[r] = nullptr;
    }
    regs[bc->regs.size()] = nullptr;
    return regs;
  }

  void chunk(void** regs, std::int64_t start, std::size_t len) const {
    for (Reg r : bound) {
      const View& v = views[r];
      if (direct[r]) {
        regs[r] = v.base + start * static_cast<std::int64_t>(itemsize(v.dtype));
      } else if (bc->regs[r].kind == RegKind::Input) {
        gather(space, v, start, len, regs[r], bc->regs[r].dtype);
      }
    }
    for (const ExecInstr& e : ex->main[static_cast<int>(isa)])
      e.fn(len, regs[e.d], regs[e.a], regs[e.b], regs[e.c]);
    for (Reg r : bound)
      if (!direct[r] && bc->regs[r].kind != RegKind::Input)
        scatter(space, views[r], start, len, regs[r], bc->regs[r].dtype);
  }
};

void run_prologue(Run& run, const Binding& b, std::size_t fill) {
  const Bytecode& bc = *run.bc;
  const std::size_t nregs = bc.regs.size();
  std::byte* area = thread_scratch(0, round64((nregs + 1) * sizeof(void*)) +
                                          run.ex->uniforms.size() * round64(fill * 16));
  auto** single = reinterpret_cast<void**>(area);
  std::byte* next = area + round64((nregs + 1) * sizeof(void*));
  run.uniform.assign(nregs, nullptr);
  for (std::size_t r = 0; r < nregs; ++r) {
    const RegInfo& info = bc.regs[r];
    single[r] = nullptr;
    if (info.kind == RegKind::Const) single[r] = const_cast<std::byte*>(run.ex->const_data[info.index]);
    if (!is_uniform(info.kind)) continue;
    run.uniform[r] = next;
    single[r] = next;
    next += round64(fill * 16);
    if (info.kind == RegKind::Scalar) {
      const Array& a = b.inputs[info.index];
      gather_convert(single[r], info.dtype, static_cast<const char*>(a.data), 0, a.dtype, 1);
    }
  }
  single[nregs] = nullptr;
  for (const ExecInstr& e : run.ex->prologue[static_cast<int>(run.isa)])
    e.fn(1, single[e.d], single[e.a], single[e.b], single[e.c]);
  for (std::size_t r = 0; r < nregs; ++r)
    if (run.uniform[r]) replicate(run.uniform[r], itemsize(bc.regs[r].dtype), fill);
}

void prepare_views(Run& run, Binding& b) {
  const Bytecode& bc = *run.bc;
  const std::size_t nregs = bc.regs.size();
  run.views.resize(nregs);
  run.direct.assign(nregs, 0);
  run.buffer.assign(nregs, -1);
  run.bound.clear();
  std::vector<View>& packed = run.packed;
  packed.clear();
  for (std::size_t r = 0; r < nregs; ++r) {
    const RegInfo& info = bc.regs[r];
    const bool unread_input = info.kind == RegKind::Input && bc.last_input_read[info.index] < 0;
    if ((info.kind == RegKind::Input && !unread_input) || info.kind == RegKind::Output) {
      run.bound.push_back(static_cast<Reg>(r));
      const auto& source = info.kind == RegKind::Input ? b.inputs : b.args;
      packed.push_back(view_of(source[info.index], run.space));
    } else if (info.kind == RegKind::Result) {
      run.bound.push_back(static_cast<Reg>(r));
      packed.push_back(view_of(b.result.array(), run.space));
    }
  }
  if (b.axis) move_axis_last(run.space, packed.data(), static_cast<int>(packed.size()), *b.axis);
  simplify(run.space, packed.data(), static_cast<int>(packed.size()), b.axis.has_value());
  int next = bc.temp_count;
  for (std::size_t i = 0; i < run.bound.size(); ++i) {
    const Reg r = run.bound[i];
    run.views[r] = packed[i];
    run.direct[r] = packed[i].linear && packed[i].dtype == bc.regs[r].dtype;
    if (!run.direct[r]) run.buffer[r] = next++;
  }
  for (std::size_t r = 0; r < nregs; ++r)
    if (bc.regs[r].kind == RegKind::Temp) run.buffer[r] = bc.regs[r].index;
  run.buffers = next;
}

void run_elementwise(const Run& run, std::int64_t n) {
  const std::size_t chunk = run.ex->chunk;
  const std::size_t chunks = (static_cast<std::size_t>(n) + chunk - 1) / chunk;
  auto body = [&](std::size_t begin, std::size_t end) {
    void** regs = run.registers();
    for (std::size_t c = begin; c < end; ++c) {
      const auto start = static_cast<std::int64_t>(c * chunk);
      run.chunk(regs, start, static_cast<std::size_t>(std::min<std::int64_t>(chunk, n - start)));
    }
  };
  if (threads() > 1 && n >= kParallelMinElements && chunks >= 2) parallel_ranges(chunks, body);
  else body(0, chunks);
}

// Folds elements [start, start + length) into acc, chunk by chunk.
void fold_range(const Run& run, void** regs, Kernel reduce, std::int64_t start,
                std::int64_t length, void* acc) {
  const Reg src = run.bc->reduction->source;
  const auto chunk = static_cast<std::int64_t>(run.ex->chunk);
  for (std::int64_t done = 0; done < length; done += chunk) {
    const auto len = static_cast<std::size_t>(std::min<std::int64_t>(chunk, length - done));
    run.chunk(regs, start + done, len);
    reduce(len, acc, regs[src], nullptr, nullptr);
  }
}

// Reduction over all elements: a fixed partition into blocks (independent of the thread
// count), each folded in order, then the block results folded in order.
void run_full_reduction(const Run& run, std::int64_t n, Binding& b) {
  const ReductionPlan& plan = *run.bc->reduction;
  const Kernel reduce = run.ex->reduce[static_cast<int>(run.isa)];
  const std::size_t isz = itemsize(plan.dtype);
  const std::size_t chunk = run.ex->chunk;
  const std::size_t chunks = (static_cast<std::size_t>(n) + chunk - 1) / chunk;
  const std::size_t per_block = std::max<std::size_t>(1, (chunks + kMaxReductionBlocks - 1) / kMaxReductionBlocks);
  const std::size_t blocks = (chunks + per_block - 1) / per_block;
  alignas(64) std::byte partials[kMaxReductionBlocks * 16];
  auto body = [&](std::size_t begin, std::size_t end) {
    void** regs = run.registers();
    for (std::size_t blk = begin; blk < end; ++blk) {
      void* acc = partials + blk * isz;
      reduce_identity(plan.op, plan.dtype, acc);
      const auto start = static_cast<std::int64_t>(blk * per_block * chunk);
      fold_range(run, regs, reduce, start, std::min<std::int64_t>(per_block * chunk, n - start), acc);
    }
  };
  if (threads() > 1 && n >= kParallelMinElements && blocks >= 2) parallel_ranges(blocks, body);
  else body(0, blocks);
  alignas(16) std::byte total[16];
  reduce_identity(plan.op, plan.dtype, total);
  reduce(blocks, total, partials, nullptr, nullptr);
  if (plan.mean) divide_by_count(total, plan.dtype, n);
  const Array& out = b.result.array();
  scatter_convert(static_cast<char*>(out.data), 0, out.dtype, total, plan.dtype, 1);
}

// Reduction along one axis (moved last): each row folded in order by one thread.
void run_axis_reduction(const Run& run, std::int64_t n, Binding& b) {
  const ReductionPlan& plan = *run.bc->reduction;
  const Kernel reduce = run.ex->reduce[static_cast<int>(run.isa)];
  const std::int64_t length = run.space.ndim ? run.space.shape[run.space.ndim - 1] : 1;
  const std::int64_t rows = length ? n / length : 0;
  const View out_view = view_of(b.result.array(), b.result_space);
  auto body = [&](std::size_t begin, std::size_t end) {
    void** regs = run.registers();
    for (std::size_t row = begin; row < end; ++row) {
      alignas(16) std::byte acc[16];
      reduce_identity(plan.op, plan.dtype, acc);
      fold_range(run, regs, reduce, static_cast<std::int64_t>(row) * length, length, acc);
      if (plan.mean) divide_by_count(acc, plan.dtype, length);
      scatter(b.result_space, out_view, static_cast<std::int64_t>(row), 1, acc, plan.dtype);
    }
  };
  if (threads() > 1 && n >= kParallelMinElements && rows >= 2)
    parallel_ranges(static_cast<std::size_t>(rows), body);
  else body(0, static_cast<std::size_t>(rows));
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
      case RegKind::Temp: fast_temps.push_back({reg, info.index}); break;
      case RegKind::Scalar: uniforms.push_back({reg, info.index}); break;
      case RegKind::Uniform: uniforms.push_back({reg, -1}); break;
      case RegKind::Input:
      case RegKind::Output: fast_bound.push_back({reg, info.index}); break;
      case RegKind::Result: fast_bound.push_back({reg, -1}); break;
    }
  }
  fast_pad = 64 / smallest;
  // Chunks shrink (to kMinChunk) while the registers' chunks would overflow the L1 budget;
  // reductions keep kChunk (their fixed partition, shared with the fast path, assumes it).
  while (!code.reduction && chunk > kMinChunk && chunk * bytes_per_element > kChunkBudgetBytes) chunk /= 2;
  fast_path = (!code.reduction || !code.reduction->axis) && code.regs.size() <= kFastPathMaxRegs;
}

OwnedArray execute(const Executable& ex, const CheckedProgram& program,
                   std::span<const Array> args, const Array* out) {
  if (OwnedArray fast; run_fast(ex, program, args, out, fast)) return fast;
  // Per-thread state, reused so that steady-state runs do not allocate (a thread runs one
  // program at a time: chunk tasks never start runs).
  thread_local Binding b;
  bind(ex.code, program, args, out, b);
  thread_local Run run;
  run.ex = &ex;
  run.bc = &ex.code;
  run.isa = active_isa();
  run.space = b.space;
  const std::int64_t n = b.space.size();
  if (n == 0) {
    if (ex.code.reduction) fill_empty_reduction(ex.code, b);
    return std::move(b.result);
  }
  prepare_views(run, b);
  const std::int64_t row = b.axis && run.space.ndim ? run.space.shape[run.space.ndim - 1] : n;
  run_prologue(run, b, static_cast<std::size_t>(std::min<std::int64_t>(row, ex.chunk)));
  if (!ex.code.reduction) run_elementwise(run, n);
  else if (b.axis) run_axis_reduction(run, n, b);
  else run_full_reduction(run, n, b);
  return std::move(b.result);
}

}  // namespace exprvm::vm
