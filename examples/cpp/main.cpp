// The C++ API from an installed exprvm (find_package(exprvm), target exprvm::exprvm): one call
// through exprvm::evaluate, then a compiled Program run on caller buffers, then an error.
// Exits non-zero when a value is wrong.
#include <exprvm/exprvm.hpp>

#include <cstdio>
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

  try {
    exprvm::compile("x + z", {{"x", DType::Float32}});
    wrong += 1;
  } catch (const exprvm::Error& e) {
    std::printf("%s at line %u, column %u:\n%s\n",
                std::string(exprvm::error_kind_name(e.kind())).c_str(), e.line(), e.column(),
                e.what());
  }
  std::printf("%s\n", wrong ? "values WRONG" : "values OK");
  return wrong ? 1 : 0;
}
