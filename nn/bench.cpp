#include "nn/bench.hpp"

#include <cblas.h>

#include "nn/parallel_parts.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include <exprvm/exprvm.hpp>
#include "nn/json_command.hpp"
#include "nn/linalg.hpp"
#include "nn/seed_data.hpp"
#include "nn/trainer.hpp"

#ifndef EXPRVM_NN_TOOLS_DIR
#error "EXPRVM_NN_TOOLS_DIR must point at nn/tools (set by nn/CMakeLists.txt)"
#endif

namespace exprvm::nn {
namespace {

// Runs nn/tools/`script` with `arguments`; returns its JSON line, or null when Python or the
// script's library is missing (the table then says n/a).
nlohmann::json run_tool(const char* script, const std::string& arguments) {
  const std::string command = std::string("/usr/bin/python3 ") + EXPRVM_NN_TOOLS_DIR + "/" +
                              script + " " + arguments + " 2>&1";
  return run_json_command(command, std::string("nn bench: ") + script);
}

nlohmann::json run_numpy(const std::string& arguments) {
  return run_tool("numpy_reference.py", arguments);
}

// PyTorch's side on `threads` threads; null (n/a) when torch is not installed.
nlohmann::json run_torch(const std::string& arguments, int threads) {
  nlohmann::json result =
      run_tool("torch_reference.py", arguments + " --threads " + std::to_string(threads));
  return result.is_null() || result.contains("absent") ? nullptr : result;
}

std::string format_time(double seconds) {
  char text[32];
  if (seconds < 1e-6)
    std::snprintf(text, sizeof text, "%.0f ns", seconds * 1e9);
  else if (seconds < 1e-3)
    std::snprintf(text, sizeof text, "%.2f us", seconds * 1e6);
  else
    std::snprintf(text, sizeof text, "%.2f ms", seconds * 1e3);
  return text;
}

std::string ratio(const nlohmann::json& numpy, const char* key, double ours) {
  if (numpy.is_null()) return "n/a";
  char text[32];
  std::snprintf(text, sizeof text, "%.1fx", numpy[key].get<double>() / ours);
  return text;
}

std::string numpy_time(const nlohmann::json& numpy, const char* key) {
  return numpy.is_null() ? "n/a" : format_time(numpy[key].get<double>());
}

// Floating-point operations per second of `rows` predictions: 2 per weight and row.
std::string gflops(std::int64_t weights, std::int64_t rows, double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", 2.0 * static_cast<double>(weights * rows) / seconds / 1e9);
  return text;
}

// Reads every kernel once (cblas_sasum, bandwidth-bound), each split over as many threads as
// the prediction's product of that kernel uses (TBB's pool, already awake; OpenBLAS itself on
// one thread so that each part is one core's stream): the floor for one prediction.
double weight_stream_seconds(const Model& model, double seconds) {
  std::atomic<float> sink{0};
  set_blas_threads(1);
  return best_seconds_per_call(
      [&] {
        for (std::size_t i = 0; i < model.size(); ++i) {
          const Tensor& kernel = static_cast<const Dense&>(model.layer(i)).kernel();
          const int parts = product_threads(kernel.size(), ProductKind::MatrixVector);
          const std::int64_t part = (kernel.size() + parts - 1) / parts;
          auto read_part = [&](int p) {
            const std::int64_t begin = p * part;
            const std::int64_t count = std::min(part, kernel.size() - begin);
            sink.store(cblas_sasum(static_cast<int>(count), kernel.data.data() + begin, 1),
                       std::memory_order_relaxed);
          };
          if (parts == 1)
            read_part(0);
          else
            parallel_parts(parts, read_part);
        }
      },
      seconds);
}

void bench_shape(std::int64_t width, double seconds, std::ostream& out) {
  const Model model = make_elu_network(25, {width, width, width}, 1, 7);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  Tensor hundred(100, 25);
  for (float& v : hundred.data) v = uniform(rng);
  const Tensor one = slice_rows(hundred, 0, 1);
  PredictWorkspace workspace;
  const double one_s = best_seconds_per_call([&] { model.predict(one, workspace); }, seconds);
  const double hundred_s =
      best_seconds_per_call([&] { model.predict(hundred, workspace); }, seconds);
  const double floor_s = weight_stream_seconds(model, seconds);
  const std::string w = std::to_string(width);
  const std::string shape_arguments =
      "--shape " + w + "," + w + "," + w + " --seconds " + std::to_string(seconds);
  const nlohmann::json numpy = run_numpy("predict " + shape_arguments);
  const nlohmann::json torch =
      run_torch(shape_arguments, product_threads(kThreadedMinWork, ProductKind::MatrixMatrix));
  std::int64_t params = 0, weights = 0;
  for (std::size_t i = 0; i < model.size(); ++i) {
    const auto& dense = static_cast<const Dense&>(model.layer(i));
    params += dense.kernel().size() + dense.bias().size();
    weights += dense.kernel().size();
  }
  char shape[64];
  std::snprintf(shape, sizeof shape, "(%s,%s,%s)", w.c_str(), w.c_str(), w.c_str());
  char floor_ratio[32];
  std::snprintf(floor_ratio, sizeof floor_ratio, "%.2fx", one_s / floor_s);
  out << "| " << shape << " | " << params << " | " << format_time(one_s) << " | "
      << numpy_time(numpy, "one_s") << " | " << ratio(numpy, "one_s", one_s) << " | "
      << numpy_time(torch, "one_s") << " | " << format_time(floor_s) << " | " << floor_ratio
      << " | " << format_time(hundred_s) << " | " << gflops(weights, 100, hundred_s) << " | "
      << numpy_time(numpy, "hundred_s") << " | " << ratio(numpy, "hundred_s", hundred_s)
      << " | " << numpy_time(torch, "hundred_s") << " |" << std::endl;
}

void bench_training_epoch(double seconds, std::ostream& out) {
  // Seed 000: 5000 rows, validation_split 0.8 -> 1000 training rows, batch 256, Adam, MSE.
  const SeedData data = make_seed_data(1000, 25, 1);
  Model model = make_elu_network(25, {30, 30}, 1, 1);
  MeanSquaredError mse;
  Adam adam;
  FitOptions options;
  options.epochs = 1;
  options.batch_size = 256;
  const double epoch_s =
      best_seconds_per_call([&] { fit(model, mse, adam, data.x, data.y, options); }, seconds);
  const nlohmann::json numpy =
      run_numpy("train --rows 5000 --validation-split 0.8 --seconds " + std::to_string(seconds));
  out << "\ntraining epoch (1000 rows, batch 256, 25-30-30-1 ELU, Adam, MSE; no validation "
         "pass): exprvm "
      << format_time(epoch_s) << ", NumPy " << numpy_time(numpy, "epoch_s") << " ("
      << ratio(numpy, "epoch_s", epoch_s) << ")" << std::endl;
}

// `--profile WIDTH`: `calls` predictions of `rows` rows on one reused workspace, untimed (for
// `valgrind --tool=callgrind`, whose instruction counts are stable on a shared machine).
int run_profile(std::int64_t width, std::int64_t rows, long calls, std::ostream& out) {
  const Model model = make_elu_network(25, {width, width, width}, 1, 7);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  Tensor x(rows, 25);
  for (float& v : x.data) v = uniform(rng);
  PredictWorkspace workspace;
  float sum = 0;
  for (long i = 0; i < calls; ++i) sum += model.predict(x, workspace).data[0];
  out << "profile: " << calls << " predictions of " << rows << " rows, (" << width << ","
      << width << "," << width << "), checksum " << sum << std::endl;
  return 0;
}

}  // namespace

int run_bench(int argc, char** argv, std::ostream& out) {
  const Options options(argc, argv, {"seconds", "profile", "rows", "calls"}, {"quick"});
  if (options.has("profile")) {
    return run_profile(static_cast<std::int64_t>(options.number("profile", 30)),
                       static_cast<std::int64_t>(options.number("rows", 1)),
                       static_cast<long>(options.number("calls", 10000)), out);
  }
  const bool quick = options.has("quick");
  const double seconds = options.number("seconds", quick ? 0.2 : 1.0);
  out << "seed 000's table: 25 inputs, three hidden ELU layers, 1 linear output, float32.\n"
         "exprvm: Model::predict on a reused workspace, whose prepared plan runs each dense\n"
         "layer as a fused AVX2 kernel (product, bias and activation in one pass; batches\n"
         "split by rows over the threads), a thread-split sgemv (large one-row layers) or\n"
         "sgemm (large batches) followed by one bias + activation pass; exprvm GFLOP/s counts\n"
         "2 operations per weight and row. NumPy: seed 000's model_np, run by /usr/bin/python3\n"
         "in the same run;\n"
         "floor: reading every kernel once (cblas_sasum) on as many threads as its product\n"
         "uses (one-row products split over TBB threads from "
      << kThreadedMinStream << " weights; sgemm on OpenBLAS threads from " << kThreadedMinWork
      << " multiply-adds). Times are the best mean per call.\n"
      << "OpenBLAS core: " << blas_core_name() << " (one-row products by "
      << (default_matvec() == MatVec::Blas ? "cblas_sgemv" : "Eigen") << ")"
      << (default_matvec() == MatVec::Blas
              ? ""
              : "; if this CPU has AVX2 or AVX-512, OPENBLAS_CORETYPE=Haswell or SkylakeX "
                "gives OpenBLAS its fast kernels")
      << "\n\n"
         "PyTorch: the same network as a torch.nn.Sequential under inference_mode on as many\n"
         "threads (nn/tools/torch_reference.py; n/a when torch is not installed).\n\n"
         "| NN Shape | Num Params | exprvm (1 prediction) | NumPy (1 prediction) | exprvm "
         "speedup | PyTorch (1 prediction) | weight-stream floor | exprvm / floor | exprvm (100 "
         "predictions) | exprvm GFLOP/s | NumPy (100 predictions) | exprvm speedup | PyTorch "
         "(100 predictions) |\n"
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  std::vector<std::int64_t> widths = {30, 100, 1000};
  if (!quick) widths.push_back(10000);
  for (std::int64_t width : widths) bench_shape(width, seconds, out);
  if (quick) out << "(--quick: (10000,10000,10000) skipped)\n";
  if (run_torch("--shape 1,1,1 --seconds 0", 1).is_null())
    out << "(PyTorch columns n/a: torch is not installed for /usr/bin/python3)\n";
  bench_training_epoch(seconds, out);
  return 0;
}

}  // namespace exprvm::nn
