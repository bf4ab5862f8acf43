// Program::run on hostile or aliased arguments, on both the small-run fast path and the
// general path: errors are exprvm::Error before any write, and aliased buffers give the
// answer of sequential, copy-free NumPy code.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <exprvm/exprvm.hpp>

using namespace exprvm;

namespace {

// Sizes that take the fast path (small) and the general path (large).
const std::int64_t kSizes[] = {4, std::int64_t{1} << 16};

}  // namespace

TEST_CASE("an output assigned twice does not clobber an input sharing its buffer", "[vm]") {
  // a and b are one buffer: the first write to a happens before b is read.
  const Program p = compile("a = c * 2; a = a + b",
                            {{"a", DType::Float64}, {"b", DType::Float64}, {"c", DType::Float64}});
  for (std::int64_t n : kSizes) {
    std::vector<double> ab(n, 1.0), c(n, 10.0);
    const Array args[] = {Array::from(ab), Array::from(ab), Array::from(c)};
    p.run(args);
    INFO("n = " << n);
    CHECK(ab.front() == 21.0);
    CHECK(ab.back() == 21.0);
  }
}

TEST_CASE("malformed arguments are errors on every path, and nothing is written", "[vm]") {
  const Program p = compile("a + b", {{"a", DType::Float32}, {"b", DType::Float32}});
  for (std::int64_t n : kSizes) {
    std::vector<float> a(n, 1.0f), b(n, 2.0f), out(n, 7.0f);
    Array out_view = Array::from(out);
    INFO("n = " << n);

    Array no_data[] = {Array::from(a), Array::from(b)};
    no_data[1].data = nullptr;
    CHECK_THROWS_AS(p.run(no_data, &out_view), Error);

    Array bad_ndim[] = {Array::from(a), Array::from(b)};
    bad_ndim[0].ndim = bad_ndim[1].ndim = -1;
    CHECK_THROWS_AS(p.run(bad_ndim, &out_view), Error);

    Array too_many_dims[] = {Array::from(a), Array::from(b)};
    too_many_dims[0].ndim = kMaxDims + 1;
    CHECK_THROWS_AS(p.run(too_many_dims, &out_view), Error);

    Array negative_shape[] = {Array::from(a), Array::from(b)};
    negative_shape[0].shape[0] = negative_shape[1].shape[0] = -1;
    CHECK_THROWS_AS(p.run(negative_shape, &out_view), Error);

    CHECK(out.front() == 7.0f);
    CHECK(out.back() == 7.0f);
  }
  const Program with_scalar = compile("a = a + s", {{"a", DType::Float64}, {"s", DType::Float64, true}});
  std::vector<double> a(4, 1.0);
  double s = 2.0;
  Array args[] = {Array::from(a), Array::scalar(s)};
  args[0].shape[0] = -1;
  CHECK_THROWS_AS(with_scalar.run(args), Error);
  CHECK(a.front() == 1.0);
}

TEST_CASE("a full reduction's out may lie inside an input: it is written after every read", "[vm]") {
  const Program p = compile("sum(a * 2)", {{"a", DType::Float64}});
  for (std::int64_t n : kSizes) {
    INFO("n = " << n);
    std::vector<double> a(n, 1.0);
    const Array args[] = {Array::from(a)};
    const Array out = Array::from_raw(a.data() + n / 2, DType::Float64, {});  // element n/2
    p.run(args, &out);
    CHECK(a[n / 2] == 2.0 * n);
    CHECK(a.front() == 1.0);
    a.assign(n, 1.0);
    BoundProgram bound = p.bind(args, &out);
    bound.run();
    CHECK(a[n / 2] == 2.0 * n);
  }
}

TEST_CASE("outputs that overlap are an error naming both, on every path", "[vm]") {
  const Program p = compile("a = b + 1; c = b * 2",
                            {{"a", DType::Float64}, {"b", DType::Float64}, {"c", DType::Float64}});
  for (std::int64_t n : kSizes) {
    INFO("n = " << n);
    std::vector<double> ac(n + 1, 0.0), b(n, 1.0);
    const Array args[] = {Array::from_raw(ac.data(), DType::Float64, {n}), Array::from(b),
                          Array::from_raw(ac.data() + 1, DType::Float64, {n})};
    try {
      p.run(args);
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("outputs 'a' and 'c' overlap in memory") != std::string::npos);
    }
    CHECK_THROWS_AS(p.bind(args), Error);
    CHECK(ac == std::vector<double>(n + 1, 0.0));
  }
}
