// Run-time choice of kernel table: which instruction sets this CPU (and OS) can run.
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include <xsimd/xsimd.hpp>

#include "vm/kernel.hpp"
#include "vm/kernel_tables.hpp"

namespace exprvm::vm {
namespace {

// xsimd 8.1 reports the CPU's AVX-512 F/CD/DQ/BW bits; the AVX-512 table is also compiled
// with -mavx512vl, which xsimd does not report, so that bit comes from the compiler's probe.
// __builtin_cpu_supports also checks that the OS saves the wider registers.
bool cpu_runs_avx512() {
  const auto cpu = xsimd::available_architectures();
  return cpu.avx512f && cpu.avx512cd && cpu.avx512dq && cpu.avx512bw && __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512cd");
}
bool cpu_runs_avx2() {
  const auto cpu = xsimd::available_architectures();
  return cpu.fma3_avx2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

std::vector<Isa> detect_isas() {
  std::vector<Isa> isas;
  if (cpu_runs_avx512()) isas.push_back(Isa::Avx512);
  if (cpu_runs_avx2()) isas.push_back(Isa::Avx2);
  isas.push_back(Isa::Sse2);  // x86-64 baseline
  return isas;
}

template <class T> void write_identity(Op op, void* out) {
  T value{};
  switch (op) {
    case Op::SUM: case Op::ANY: value = T(0); break;
    case Op::PROD: case Op::ALL: value = T(1); break;
    case Op::MIN:
      value = std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
      break;
    case Op::MAX:
      value = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
      break;
    default:
      throw std::logic_error("reduce_identity: " + std::string(op_info(op).spelling) + " is not a reduction");
  }
  *static_cast<T*>(out) = value;
}

}  // namespace

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::Sse2: return "sse2";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
  }
  return "unknown";
}

const std::vector<Isa>& available_isas() {
  static const std::vector<Isa> isas = detect_isas();
  return isas;
}

const KernelTable& kernel_table(Isa isa) {
  switch (isa) {
    case Isa::Sse2: return kernel_table_sse2();
    case Isa::Avx2: return kernel_table_avx2();
    case Isa::Avx512: return kernel_table_avx512();
  }
  throw std::logic_error("kernel_table: unknown instruction set");
}

void reduce_identity(Op op, DType t, void* out) {
  switch (t) {
    case DType::Bool: {
      bool value = false;
      write_identity<bool>(op, &value);
      *static_cast<std::uint8_t*>(out) = value ? 1 : 0;
      return;
    }
    case DType::Int32: return write_identity<std::int32_t>(op, out);
    case DType::Int64: return write_identity<std::int64_t>(op, out);
    case DType::Float32: return write_identity<float>(op, out);
    case DType::Float64: return write_identity<double>(op, out);
    case DType::Complex64:
      if (op == Op::MIN || op == Op::MAX) break;
      return write_identity<std::complex<float>>(op, out);
    case DType::Complex128:
      if (op == Op::MIN || op == Op::MAX) break;
      return write_identity<std::complex<double>>(op, out);
    default: break;
  }
  throw std::logic_error("reduce_identity: no " + std::string(op_info(op).spelling) + " reduction for dtype " +
                         std::string(dtype_name(t)));
}

}  // namespace exprvm::vm
