// `exprvm eval` and `exprvm disasm`.
#include <algorithm>
#include <chrono>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <new>
#include <random>

#include "cli/commands.hpp"
#include "compiler/pipeline.hpp"
#include "compiler/scalar_ops.hpp"
#include "jit/jit.hpp"
#include "vm/iteration.hpp"

namespace exprvm::cli {
namespace {

// 64-byte aligned bytes, zeroed: --repeat times the program on buffers aligned like the
// benchmark's (a std::vector's 16-byte alignment splits every AVX-512 load and store across
// two cache lines).
class AlignedBytes {
 public:
  explicit AlignedBytes(std::size_t size)
      : storage_(static_cast<std::byte*>(std::aligned_alloc(64, (std::max<std::size_t>(size, 1) + 63) / 64 * 64))) {
    if (!storage_) throw std::bad_alloc();
    std::memset(storage_.get(), 0, size);
  }
  std::byte* data() const { return storage_.get(); }

 private:
  struct Free {
    void operator()(std::byte* p) const { std::free(p); }
  };
  std::unique_ptr<std::byte, Free> storage_;
};

struct Buffer {
  std::string name;
  DType dtype;
  bool scalar;
  AlignedBytes bytes;
  std::int64_t count;
  Array array() {
    if (scalar) return Array::from_raw(bytes.data(), dtype, {});
    return Array::from_raw(bytes.data(), dtype, {count});
  }
};

// Stores `value` (parsed from text, or random) as element i of b (NumPy's unsafe cast).
void put(Buffer& b, std::int64_t i, std::complex<double> value) {
  store_value(cast_value(Value::of(value), b.dtype), b.bytes.data() + i * itemsize(b.dtype), b.dtype);
}

std::complex<double> parse_number(const std::string& text) {
  if (text == "True" || text == "true") return 1.0;
  if (text == "False" || text == "false") return 0.0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end && (*end == 'j' || *end == 'J') && end[1] == '\0') return {0.0, v};
  if (!end || *end != '\0' || text.empty())
    throw Error(ErrorKind::Argument, "'" + text + "' is not a number");
  return v;
}

Value element(const Array& a, std::int64_t i) {
  return load_value(static_cast<const char*>(a.data) + i * itemsize(a.dtype), a.dtype);
}

// Element i of a C-contiguous array with full precision: %.17g, complex as re+imj, bools as
// True/False.
std::string element_text(const Array& a, std::int64_t i) {
  const Value v = element(a, i);
  if (v.dtype == DType::Bool) return v.get<bool>() ? "True" : "False";
  if (kind_of(v.dtype) == Kind::Int) return std::to_string(cast_value(v, DType::Int64).get<std::int64_t>());
  if (kind_of(v.dtype) == Kind::UInt) return std::to_string(cast_value(v, DType::UInt64).get<std::uint64_t>());
  const std::complex<double> c = v.to_complex128();
  char buf[96];
  if (v.dtype == DType::Complex64 || v.dtype == DType::Complex128)
    std::snprintf(buf, sizeof buf, "%.17g%+.17gj", c.real(), c.imag());
  else
    std::snprintf(buf, sizeof buf, "%.17g", c.real());
  return buf;
}

// The sum of every element's real and imaginary parts (bools count 1).
double checksum(const Array& a) {
  double sum = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    const std::complex<double> c = element(a, i).to_complex128();
    sum += c.real() + c.imag();
  }
  return sum;
}

}  // namespace

int eval_command(const std::vector<std::string>& args) {
  if (args.empty()) throw Error(ErrorKind::Argument, "eval needs an expression");
  const std::string source = args[0];
  std::int64_t n = 10;
  DType dtype = DType::Float64;
  int threads = 0, repeat = 0;
  std::uint64_t seed = 1;
  bool print = false;
  std::vector<std::pair<std::string, std::string>> given;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw Error(ErrorKind::Argument, a + " needs a value");
      return args[++i];
    };
    if (a == "--n") n = std::stoll(value());
    else if (a == "--dtype") {
      const auto t = dtype_from_name(value());
      if (!t) throw Error(ErrorKind::Argument, "unsupported --dtype " + args[i]);
      dtype = *t;
    } else if (a == "--threads") threads = std::stoi(value());
    else if (a == "--seed") seed = std::stoull(value());
    else if (a == "--repeat") repeat = std::stoi(value());
    else if (a == "--print") print = true;
    else if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) != 0)
      given.emplace_back(a.substr(0, eq), a.substr(eq + 1));
    else throw Error(ErrorKind::Argument, "unknown argument '" + a + "'");
  }
  if (threads > 0) set_num_threads(threads);

  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<Buffer> buffers;
  for (const auto& [name, text] : given) {
    std::vector<std::complex<double>> values;
    std::size_t start = 0;
    while (start <= text.size()) {
      const std::size_t comma = std::min(text.find(',', start), text.size());
      values.push_back(parse_number(text.substr(start, comma - start)));
      start = comma + 1;
    }
    Buffer b{name, dtype, values.size() == 1, AlignedBytes(values.size() * itemsize(dtype)),
             static_cast<std::int64_t>(values.size())};
    for (std::size_t i = 0; i < values.size(); ++i) put(b, static_cast<std::int64_t>(i), values[i]);
    buffers.push_back(std::move(b));
  }
  for (const std::string& name : free_names(source)) {
    if (std::any_of(buffers.begin(), buffers.end(), [&](const Buffer& b) { return b.name == name; }))
      continue;
    Buffer b{name, dtype, false, AlignedBytes(n * itemsize(dtype)), n};
    for (std::int64_t i = 0; i < n; ++i)
      put(b, i, kind_of(dtype) == Kind::Int || kind_of(dtype) == Kind::UInt ? std::floor(uniform(rng) * 100)
                : std::complex<double>(uniform(rng), kind_of(dtype) == Kind::Complex ? uniform(rng) : 0));
    buffers.push_back(std::move(b));
  }
  Signature sig;
  std::vector<Array> arrays;
  for (auto& b : buffers) {
    sig.push_back({b.name, b.dtype, b.scalar, false});
    arrays.push_back(b.array());
  }
  const Program program = compile(source, sig);
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  OwnedArray result = program.run(arrays);
  const double first = std::chrono::duration<double>(clock::now() - t0).count();
  const std::vector<std::string> outputs = program.outputs();
  if (!result.empty()) {
    const Array& r = result.array();
    std::printf("result shape=%s dtype=%s checksum=%.17g time_s=%.9f\n",
                vm::shape_string(r).c_str(), std::string(dtype_name(r.dtype)).c_str(), checksum(r), first);
    if (print)
      for (std::int64_t i = 0; i < r.size(); ++i) std::printf("%s\n", element_text(r, i).c_str());
  }
  for (auto& b : buffers) {
    if (std::find(outputs.begin(), outputs.end(), b.name) == outputs.end()) continue;
    const Array a = b.array();
    std::printf("output %s shape=(%lld,) dtype=%s checksum=%.17g\n", b.name.c_str(),
                static_cast<long long>(b.count), std::string(dtype_name(b.dtype)).c_str(), checksum(a));
    if (print)
      for (std::int64_t i = 0; i < a.size(); ++i) std::printf("%s\n", element_text(a, i).c_str());
  }
  if (repeat > 0) {
    // Bound once, like the benchmark's bound program: a run then costs the kernels alone.
    std::vector<double> times;
    const Array* out = result.empty() ? nullptr : &result.array();
    BoundProgram bound = program.bind(arrays, out);
    for (int r = 0; r < repeat; ++r) {
      const auto s = clock::now();
      bound.run();
      times.push_back(std::chrono::duration<double>(clock::now() - s).count());
    }
    std::sort(times.begin(), times.end());
    std::printf("best_s=%.9g median_s=%.9g\n", times.front(), times[times.size() / 2]);
  }
  return 0;
}

int disasm_command(std::vector<std::string> args) {
  const bool jit = !args.empty() && args[0] == "--jit";
  if (jit) args.erase(args.begin());
  if (args.empty()) throw Error(ErrorKind::Argument, "disasm needs an expression");
  const std::string source = args[0];
  Signature sig;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    const std::size_t colon = a.find(':');
    if (colon == std::string::npos)
      throw Error(ErrorKind::Argument, "expected NAME:DTYPE[:scalar], got '" + a + "'");
    std::string type = a.substr(colon + 1);
    bool scalar = false;
    if (const std::size_t c2 = type.find(':'); c2 != std::string::npos) {
      scalar = type.substr(c2 + 1) == "scalar";
      if (!scalar) throw Error(ErrorKind::Argument, "expected ':scalar' after the dtype in '" + a + "'");
      type = type.substr(0, c2);
    }
    const auto t = dtype_from_name(type);
    if (!t) throw Error(ErrorKind::Argument, "unknown dtype '" + type + "'");
    sig.push_back({a.substr(0, colon), *t, scalar, false});
  }
  for (const std::string& name : free_names(source))
    if (std::none_of(sig.begin(), sig.end(), [&](const Param& p) { return p.name == name; }))
      sig.push_back({name, DType::Float64, false, false});
  std::cout << compile(source, sig).disassemble();
  if (jit) std::cout << jit::listing(compile_to_bytecode(source, sig));
  return 0;
}

}  // namespace exprvm::cli
