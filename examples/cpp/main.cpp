// The C++ API from an installed exprvm (find_package(exprvm), target exprvm::exprvm): one call
// through exprvm::evaluate, then a compiled Program run on caller buffers, a bound program in a
// loop, the dtype and name helpers, then errors caught by type (exprvm::Error's typeinfo comes
// from the library). Linked to libexprvm.so, it fails to link when an API symbol is not
// exported. Exits non-zero when a value is wrong.
#include <exprvm/exprvm.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

int main() {
  int wrong = 0;

  // One call: compiled (or found in the cache), run, result allocated by the library.
  std::vector<double> a = {0, 1, 2, 3}, b = {10, 20, 30, 40};
  exprvm::OwnedArray r = exprvm::evaluate("a * b + 1", {{"a", exprvm::Array::from(a)},
                                                        {"b", exprvm::Array::from(b)}});
  std::printf("evaluate(a * b + 1) =");
  for (int i = 0; i < 4; ++i) {
    std::printf(" %g", r.at<double>(i));
    wrong += r.at<double>(i) != a[i] * b[i] + 1;
  }
  std::printf("\n");

  // Compile once, run on caller buffers: two outputs updated in one pass.
  using exprvm::DType;
  std::vector<float> x = {-2, -1, 0.5f, 3}, y(4, 1.0f);
  exprvm::Program relu = exprvm::compile("y = where(x > 0, x, 0) + y; x = -x",
                                         {{"x", DType::Float32}, {"y", DType::Float32}});
  exprvm::Array args[] = {exprvm::Array::from(x), exprvm::Array::from(y)};
  relu.run(args);
  std::printf("program: y = %g %g %g %g, x = %g %g %g %g\n", y[0], y[1], y[2], y[3], x[0], x[1],
              x[2], x[3]);
  const float y_expected[] = {1, 1, 1.5f, 4}, x_expected[] = {2, 1, -0.5f, -3};
  for (int i = 0; i < 4; ++i) wrong += y[i] != y_expected[i] || x[i] != x_expected[i];
  std::printf("bytecode:\n%s", relu.disassemble().c_str());
  wrong += relu.outputs() != std::vector<std::string>{"x", "y"} || relu.result_dtype();

  // Bind once, run in a loop: p -= lr * g, with the scalar lr re-read on every run.
  std::vector<double> p = {1, 2, 3}, g = {1, 1, 1};
  double lr = 0.5;
  exprvm::Program sgd = exprvm::global_cache().get(
      "p = p - lr * g",
      {{"p", DType::Float64}, {"g", DType::Float64}, {"lr", DType::Float64, /*scalar=*/true}});
  exprvm::Array sgd_args[] = {exprvm::Array::from(p), exprvm::Array::from(g),
                              exprvm::Array::scalar(lr)};
  exprvm::BoundProgram step = sgd.bind(sgd_args);
  for (int i = 0; i < 3; ++i) step.run();
  std::printf("bound: p = %g %g %g\n", p[0], p[1], p[2]);
  wrong += p[0] != -0.5 || p[2] != 1.5;

  // The dtype rules and the source helpers.
  const std::optional<DType> f32 = exprvm::dtype_from_name("float32");
  wrong += !f32 || exprvm::promote(*f32, DType::Int64) != DType::Float64 ||
           exprvm::can_cast(DType::Float64, DType::Float32, exprvm::Casting::Safe) ||
           exprvm::casting_name(exprvm::Casting::SameKind) != "same_kind" ||
           exprvm::free_names("c = a * b; c + a") != std::vector<std::string>{"a", "b"} ||
           exprvm::get_num_threads() < 1 || exprvm::chunk_size() == 0 ||
           exprvm::available_isas().empty();
  std::printf("isa %s\n", exprvm::active_isa().c_str());

  // Errors thrown inside the library, caught by their type.
  try {
    exprvm::compile("x + z", {{"x", DType::Float32}});
    wrong += 1;
  } catch (const exprvm::Error& e) {
    std::printf("%s at line %u, column %u:\n%s\n",
                std::string(exprvm::error_kind_name(e.kind())).c_str(), e.line(), e.column(),
                e.what());
    wrong += e.kind() != exprvm::ErrorKind::Name;
  } catch (...) {
    std::printf("exprvm::Error NOT caught by its type\n");
    wrong += 1;
  }
  try {
    exprvm::set_isa("no-such-isa");
    wrong += 1;
  } catch (const exprvm::Error& e) {
    std::printf("set_isa: %s\n", std::string(exprvm::error_kind_name(e.kind())).c_str());
    wrong += e.kind() != exprvm::ErrorKind::Argument;
  } catch (...) {
    std::printf("exprvm::Error NOT caught by its type\n");
    wrong += 1;
  }
  std::printf("%s\n", wrong ? "values WRONG" : "values OK");
  return wrong ? 1 : 0;
}
