// The C API (include/exprvm/exprvm.h): results, bound runs, and every error path a C caller
// can hit (NULL pointers, wrong counts, bad dtypes and ndims, shapes, a missing out), each a
// specific exprvm_error, never a crash, and no caller buffer written.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <exprvm/exprvm.h>
#include <exprvm/exprvm.hpp>

namespace {

// Owns the last exprvm_error of a test: `&holder` frees the previous one and passes the slot
// for the next call.
struct ErrorHolder {
  exprvm_error* error = nullptr;
  ~ErrorHolder() { exprvm_error_free(error); }
  exprvm_error** operator&() {
    exprvm_error_free(error);
    error = nullptr;
    return &error;
  }
  std::string message() const { return exprvm_error_message(error); }
  exprvm_error_code kind() const { return exprvm_error_kind(error); }
};

// A float32 program over `a` (and `b` when two_params), freed at the end of the test.
struct CompiledProgram {
  exprvm_program* program = nullptr;
  CompiledProgram(const char* source, bool two_params = false) {
    const exprvm_param params[] = {{"a", EXPRVM_FLOAT32, 0}, {"b", EXPRVM_FLOAT32, 0}};
    ErrorHolder err;
    program = exprvm_compile(source, params, two_params ? 2 : 1, &err);
    INFO(err.message());
    REQUIRE(program != nullptr);
  }
  ~CompiledProgram() { exprvm_program_free(program); }
};

exprvm_array float_array(std::vector<float>& values, const std::int64_t* shape) {
  return {values.data(), EXPRVM_FLOAT32, 1, shape, nullptr};
}

}  // namespace

TEST_CASE("C API: where(a > 1, a*2, -a) into out, contiguous and strided", "[c_api]") {
  CompiledProgram p("where(a > 1, a*2, -a)");
  exprvm_dtype result_dtype = EXPRVM_BOOL;
  REQUIRE(exprvm_program_result_dtype(p.program, &result_dtype) == 1);
  CHECK(result_dtype == EXPRVM_FLOAT32);

  std::vector<float> a = {0, 1, 2, 3}, out(4, 99);
  const std::int64_t shape[] = {4};
  exprvm_array arg = float_array(a, shape), result = float_array(out, shape);
  ErrorHolder err;
  REQUIRE(exprvm_run(p.program, &arg, 1, &result, &err) == 0);
  CHECK(err.error == nullptr);
  CHECK(out == std::vector<float>{-0.0f, -1, 4, 6});

  // Reversed: the last element, negative byte stride.
  const std::int64_t reversed[] = {-static_cast<std::int64_t>(sizeof(float))};
  arg = {a.data() + 3, EXPRVM_FLOAT32, 1, shape, reversed};
  REQUIRE(exprvm_run(p.program, &arg, 1, &result, &err) == 0);
  CHECK(out == std::vector<float>{6, 4, -1, -0.0f});
}

TEST_CASE("C API: success sets *err to NULL, failure to a new error; err may be NULL", "[c_api]") {
  CompiledProgram p("a = a + 1");
  std::vector<float> a = {1, 2};
  const std::int64_t shape[] = {2};
  const exprvm_array arg = float_array(a, shape);
  exprvm_error* err = reinterpret_cast<exprvm_error*>(&a);  // garbage the call must overwrite
  REQUIRE(exprvm_run(p.program, &arg, 1, nullptr, &err) == 0);
  CHECK(err == nullptr);
  CHECK(a == std::vector<float>{2, 3});
  CHECK(exprvm_run(p.program, &arg, 2, nullptr, nullptr) == -1);  // reported nowhere, no crash
  CHECK(exprvm_compile("a +", nullptr, 0, nullptr) == nullptr);
  CHECK(a == std::vector<float>{2, 3});
}

TEST_CASE("C API: NULL pointers are argument errors", "[c_api]") {
  ErrorHolder err;
  const exprvm_param params[] = {{"a", EXPRVM_FLOAT32, 0}};
  CHECK(exprvm_compile(nullptr, params, 1, &err) == nullptr);
  CHECK(err.kind() == EXPRVM_ERROR_ARGUMENT);
  CHECK(err.message() == "exprvm_compile: source is NULL");
  CHECK(exprvm_compile("a", nullptr, 1, &err) == nullptr);
  CHECK(err.message() == "exprvm_compile: params is NULL");
  const exprvm_param unnamed[] = {{nullptr, EXPRVM_FLOAT32, 0}};
  CHECK(exprvm_compile("a", unnamed, 1, &err) == nullptr);
  CHECK(err.message() == "exprvm_compile: params[0].name is NULL");

  CompiledProgram p("a * 2");
  std::vector<float> out(3);
  const std::int64_t shape[] = {3};
  exprvm_array result = float_array(out, shape);
  CHECK(exprvm_run(nullptr, nullptr, 0, &result, &err) == -1);
  CHECK(err.message() == "exprvm_run: program is NULL");
  CHECK(exprvm_run(p.program, nullptr, 1, &result, &err) == -1);
  CHECK(err.message() == "exprvm_run: args is NULL");
  CHECK(exprvm_bind(p.program, nullptr, 1, &result, &err) == nullptr);
  CHECK(err.message() == "exprvm_bind: args is NULL");
  CHECK(exprvm_bound_run(nullptr, &err) == -1);
  CHECK(err.message() == "exprvm_bound_run: bound is NULL");
  CHECK(exprvm_disassemble(nullptr, &err) == nullptr);
  CHECK(err.kind() == EXPRVM_ERROR_ARGUMENT);

  std::vector<float> a(3);
  exprvm_array no_shape = {a.data(), EXPRVM_FLOAT32, 1, nullptr, nullptr};
  CHECK(exprvm_run(p.program, &no_shape, 1, &result, &err) == -1);
  CHECK(err.message() == "argument 'a' has ndim > 0 but a NULL shape");
  exprvm_array no_data = {nullptr, EXPRVM_FLOAT32, 1, shape, nullptr};
  CHECK(exprvm_run(p.program, &no_data, 1, &result, &err) == -1);
  CHECK(err.message() == "argument 'a' has no data pointer");

  // NULL handles and errors are harmless everywhere else.
  exprvm_program_free(nullptr);
  exprvm_bound_free(nullptr);
  exprvm_error_free(nullptr);
  exprvm_string_free(nullptr);
  CHECK(std::string(exprvm_error_message(nullptr)).empty());
  CHECK(exprvm_error_kind(nullptr) == EXPRVM_ERROR_INTERNAL);
  CHECK(exprvm_error_line(nullptr) == 0);
  CHECK(exprvm_program_result_dtype(nullptr, nullptr) == 0);
}

TEST_CASE("C API: wrong argument count, dtype, ndim and shapes; out untouched", "[c_api]") {
  ErrorHolder err;
  CompiledProgram p("a + b", true);
  std::vector<float> a = {1, 2, 3}, b = {4, 5, 6}, out(3, 7);
  const std::int64_t shape[] = {3};
  exprvm_array args[] = {float_array(a, shape), float_array(b, shape)};
  exprvm_array result = float_array(out, shape);

  CHECK(exprvm_run(p.program, args, 1, &result, &err) == -1);
  CHECK(err.kind() == EXPRVM_ERROR_ARGUMENT);
  CHECK(err.message() == "exprvm_run: 1 arguments given, the program takes 2");
  CHECK(exprvm_bind(p.program, args, 3, &result, &err) == nullptr);
  CHECK(err.message() == "exprvm_bind: 3 arguments given, the program takes 2");

  const exprvm_param bad_param[] = {{"a", static_cast<exprvm_dtype>(EXPRVM_DTYPE_COUNT), 0}};
  CHECK(exprvm_compile("a", bad_param, 1, &err) == nullptr);
  CHECK(err.kind() == EXPRVM_ERROR_ARGUMENT);
  CHECK(err.message() == "exprvm_compile: parameter 'a' has dtype " +
                             std::to_string(EXPRVM_DTYPE_COUNT) + ", which is not an exprvm_dtype");
  const int minus_one = -1;  // what a C caller can store; C++ cannot form this enum value
  std::memcpy(&args[1].dtype, &minus_one, sizeof minus_one);
  CHECK(exprvm_run(p.program, args, 2, &result, &err) == -1);
  CHECK(err.message() == "argument 'b' has dtype -1, which is not an exprvm_dtype");
  args[1].dtype = EXPRVM_FLOAT64;  // a dtype, but not the compiled one
  CHECK(exprvm_run(p.program, args, 2, &result, &err) == -1);
  CHECK(err.kind() == EXPRVM_ERROR_ARGUMENT);
  CHECK(err.message() == "argument 'b' has dtype float64 but the program was compiled for float32");
  args[1].dtype = EXPRVM_FLOAT32;

  for (int ndim : {-1, 33}) {
    args[0].ndim = ndim;
    CHECK(exprvm_run(p.program, args, 2, &result, &err) == -1);
    CHECK(err.message() == "argument 'a' has ndim " + std::to_string(ndim) + "; it must be in [0, 32]");
  }
  args[0].ndim = 1;
  result.ndim = 40;
  CHECK(exprvm_run(p.program, args, 2, &result, &err) == -1);
  CHECK(err.message() == "out has ndim 40; it must be in [0, 32]");
  result.ndim = 1;

  const std::int64_t two[] = {2};
  args[1].shape = two;
  CHECK(exprvm_run(p.program, args, 2, &result, &err) == -1);
  CHECK(err.kind() == EXPRVM_ERROR_SHAPE);
  args[1].shape = shape;
  result.shape = two;
  CHECK(exprvm_run(p.program, args, 2, &result, &err) == -1);
  CHECK(err.kind() == EXPRVM_ERROR_SHAPE);
  CHECK(out == std::vector<float>(3, 7));
}

TEST_CASE("C API: a bare result needs out; a program that only assigns takes none", "[c_api]") {
  ErrorHolder err;
  std::vector<float> a = {1, 2}, out(2, 5);
  const std::int64_t shape[] = {2};
  const exprvm_array arg = float_array(a, shape);
  exprvm_array result = float_array(out, shape);

  CompiledProgram bare("a * 2");
  CHECK(exprvm_run(bare.program, &arg, 1, nullptr, &err) == -1);
  CHECK(err.kind() == EXPRVM_ERROR_ARGUMENT);
  CHECK(err.message() ==
        "exprvm_run: the program has a result (float32), so out must be an array of the "
        "arguments' broadcast shape");
  CHECK(exprvm_bind(bare.program, &arg, 1, nullptr, &err) == nullptr);
  CHECK(err.kind() == EXPRVM_ERROR_ARGUMENT);

  CompiledProgram assigns("a = a * 2");
  CHECK(exprvm_program_result_dtype(assigns.program, nullptr) == 0);
  CHECK(exprvm_run(assigns.program, &arg, 1, &result, &err) == -1);
  CHECK(err.kind() == EXPRVM_ERROR_ARGUMENT);
  CHECK(a == std::vector<float>{1, 2});
  CHECK(out == std::vector<float>{5, 5});
}

TEST_CASE("C API: compile errors carry kind, line, column and the caret excerpt", "[c_api]") {
  ErrorHolder err;
  const exprvm_param params[] = {{"a", EXPRVM_FLOAT32, 0}};
  CHECK(exprvm_compile("a * (a + ", params, 1, &err) == nullptr);
  CHECK(err.kind() == EXPRVM_ERROR_SYNTAX);
  CHECK(exprvm_error_line(err.error) == 1);
  CHECK(exprvm_error_column(err.error) == 10);
  CHECK(err.message() == "expected an expression after '+'\n  a * (a + \n           ^");

  CHECK(exprvm_compile("b = a\nc = a + gradd", params, 1, &err) == nullptr);
  CHECK(err.kind() == EXPRVM_ERROR_NAME);
  CHECK(exprvm_error_line(err.error) == 2);
  CHECK(exprvm_error_column(err.error) == 9);
  CHECK(exprvm_compile("(a +\n  nofunc(a))", params, 1, &err) == nullptr);
  CHECK(err.kind() == EXPRVM_ERROR_FUNCTION);
  CHECK(exprvm_error_line(err.error) == 2);
  CHECK(exprvm_error_column(err.error) == 3);
  CHECK(err.message() == "unknown function 'nofunc'\n    nofunc(a))\n    ^^^^^^^^^");
  CHECK(std::string(exprvm_error_kind_name(EXPRVM_ERROR_FUNCTION)) == "function error");
  CHECK(std::string(exprvm_error_kind_name(EXPRVM_ERROR_OUT_OF_MEMORY)) == "out of memory error");
  CHECK(exprvm_error_kind_name(static_cast<exprvm_error_code>(42)) == nullptr);
}

TEST_CASE("C API: a bound program re-reads its buffers and outlives its program", "[c_api]") {
  ErrorHolder err;
  const exprvm_param params[] = {{"p", EXPRVM_FLOAT64, 0}, {"lr", EXPRVM_FLOAT64, 1}};
  exprvm_program* program = exprvm_compile("p - lr", params, 2, &err);
  REQUIRE(program != nullptr);
  std::vector<double> p = {1, 2, 3}, out(3);
  double lr = 1;
  const std::int64_t shape[] = {3};
  const exprvm_array args[] = {{p.data(), EXPRVM_FLOAT64, 1, shape, nullptr},
                               {&lr, EXPRVM_FLOAT64, 0, nullptr, nullptr}};
  exprvm_array result = {out.data(), EXPRVM_FLOAT64, 1, shape, nullptr};
  exprvm_bound* bound = exprvm_bind(program, args, 2, &result, &err);
  REQUIRE(bound != nullptr);
  exprvm_program_free(program);
  CHECK(out == std::vector<double>(3, 0));  // binding writes nothing
  REQUIRE(exprvm_bound_run(bound, &err) == 0);
  CHECK(out == std::vector<double>{0, 1, 2});
  lr = 0.5;
  p[2] = 10;
  REQUIRE(exprvm_bound_run(bound, &err) == 0);
  CHECK(out == std::vector<double>{0.5, 1.5, 9.5});
  exprvm_bound_free(bound);
}

TEST_CASE("C API: dtype constants and names follow core/dtypes.def; version; threads; disassembly",
          "[c_api]") {
  // The ABI: these values are frozen within a SONAME. A change here is an ABI break, which
  // needs a new SONAME (CMakeLists.txt) as well as this list.
  const std::pair<exprvm_dtype, const char*> abi[] = {
      {EXPRVM_BOOL, "bool"},      {EXPRVM_INT8, "int8"},          {EXPRVM_INT16, "int16"},
      {EXPRVM_INT32, "int32"},    {EXPRVM_INT64, "int64"},        {EXPRVM_UINT8, "uint8"},
      {EXPRVM_UINT16, "uint16"},  {EXPRVM_UINT32, "uint32"},      {EXPRVM_UINT64, "uint64"},
      {EXPRVM_FLOAT32, "float32"}, {EXPRVM_FLOAT64, "float64"},   {EXPRVM_COMPLEX64, "complex64"},
      {EXPRVM_COMPLEX128, "complex128"}, {EXPRVM_FLOAT16, "float16"}};
  REQUIRE(EXPRVM_DTYPE_COUNT == 14);
  for (int i = 0; i < 14; ++i) {
    CHECK(static_cast<int>(abi[i].first) == i);
    CHECK(std::string(exprvm_dtype_name(abi[i].first)) == abi[i].second);
  }
  CHECK(exprvm_dtype_name(static_cast<exprvm_dtype>(EXPRVM_DTYPE_COUNT)) == nullptr);
  CHECK(std::string(exprvm_dtype_name(EXPRVM_COMPLEX128)) == "complex128");
  CHECK(std::string(exprvm_version()).find('.') != std::string::npos);

  ErrorHolder err;
  const int before = exprvm_get_num_threads();
  CHECK(exprvm_set_num_threads(0, &err) == -1);
  CHECK(err.kind() == EXPRVM_ERROR_ARGUMENT);
  CHECK(exprvm_set_num_threads(1, &err) == before);
  CHECK(exprvm_get_num_threads() == 1);
  CHECK(exprvm_set_num_threads(before, &err) == 1);

  // The JIT mode: fixed values, the previous mode returned, -1 and an error for another int.
  CHECK(EXPRVM_JIT_OFF == 0);
  CHECK(EXPRVM_JIT_TIERED == 1);
  CHECK(EXPRVM_JIT_ALWAYS == 2);
  const exprvm_jit_mode jit_before = exprvm_get_jit();
  CHECK(exprvm_set_jit(EXPRVM_JIT_OFF, &err) == static_cast<int>(jit_before));
  CHECK(err.error == nullptr);
  CHECK(exprvm_get_jit() == EXPRVM_JIT_OFF);
  CHECK(exprvm::jit_mode() == exprvm::JitMode::Off);
  CHECK(exprvm_set_jit(EXPRVM_JIT_ALWAYS, &err) == EXPRVM_JIT_OFF);
  CHECK(exprvm_set_jit(static_cast<exprvm_jit_mode>(3), &err) == -1);  // (C callers pass ints)
  CHECK(err.kind() == EXPRVM_ERROR_ARGUMENT);
  CHECK(err.message().find("exprvm_set_jit") != std::string::npos);
  CHECK(exprvm_get_jit() == EXPRVM_JIT_ALWAYS);
  CHECK(exprvm_set_jit(jit_before, &err) == EXPRVM_JIT_ALWAYS);

  CompiledProgram p("a * 2 + 1");
  char* text = exprvm_disassemble(p.program, &err);
  REQUIRE(text != nullptr);
  CHECK(std::string(text).find("mul.f32") != std::string::npos);
  exprvm_string_free(text);
}
