// `exprvm nn cnn --bench`: seed 003's question measured. Every net x conv at 32x32x3 with
// `classes` outputs: parameters, forward latency at batch 1 and 32 (BatchNorm folded, as at
// inference) and one training step at batch 32 (SGD with momentum), exprvm beside PyTorch
// (nn/tools/cnn_torch_bench.py through /usr/bin/python3, same thread count, each row timed
// right after exprvm's same row, so that both see the same load). Writes
// bench/results/cnn.csv and prints a Markdown table.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include <exprvm/exprvm.hpp>

#include "nn/cnn_cli.hpp"
#include "nn/cnn_model.hpp"
#include "nn/cnn_train.hpp"
#include "nn/json_command.hpp"
#include "nn/model_json.hpp"
#include "nn/seed_data.hpp"

#ifndef EXPRVM_NN_TOOLS_DIR
#error "EXPRVM_NN_TOOLS_DIR must point at nn/tools (set by nn/CMakeLists.txt)"
#endif

namespace exprvm::nn {
namespace {

double median_seconds(const std::function<void()>& fn, double budget) {
  fn();
  std::vector<double> times;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(budget);
  while (times.size() < 3 || (std::chrono::steady_clock::now() < deadline && times.size() < 200)) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// PyTorch's timing of one row ("allcnn sep"), or null when PyTorch is missing or fails.
nlohmann::json run_torch(int threads, double seconds, std::int64_t classes,
                         const std::string& row) {
  const std::string command = std::string("/usr/bin/python3 ") + EXPRVM_NN_TOOLS_DIR +
                              "/cnn_torch_bench.py --threads " + std::to_string(threads) +
                              " --seconds " + std::to_string(seconds) + " --classes " +
                              std::to_string(classes) + " --only '" + row + "' 2>/dev/null";
  nlohmann::json result = run_json_command(command, "nn cnn --bench: the PyTorch side");
  if (result.contains("error")) {
    std::fprintf(stderr, "nn cnn --bench: %s\n", result["error"].get<std::string>().c_str());
    return nullptr;
  }
  return result;
}

Tensor random_images(std::int64_t n, const SpatialShape& shape, std::mt19937_64& rng) {
  Tensor t(n, shape.size());
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& v : t.data) v = normal(rng);
  return t;
}

std::string ms(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", seconds * 1e3);
  return text;
}

std::string ratio(const nlohmann::json& torch_row, const char* key, double ours) {
  if (torch_row.is_null()) return "n/a";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", ours / torch_row[key].get<double>());
  return text;
}

}  // namespace

int run_cnn_bench(const Options& options, std::ostream& out) {
  const bool quick = options.has("quick");
  const double seconds = options.number("seconds", quick ? 0.3 : 1.0);
  const auto classes = static_cast<std::int64_t>(options.number("classes", 100));
  const SpatialShape input{32, 32, 3};
  const int threads = cnn_threads();
  std::mt19937_64 rng(1);
  const Tensor x1 = random_images(1, input, rng), x32 = random_images(32, input, rng);
  Tensor y32(32, classes);
  for (std::int64_t r = 0; r < 32; ++r) y32.at(r, r % classes) = 1.0f;

  struct Row {
    std::string name;
    long long params;
    double forward1, forward32, train32;
    nlohmann::json torch;  // {"params", "forward1", "forward32", "train32"} or null
  };
  std::string torch_version;
  std::vector<Row> rows;
  for (const CnnNet net : {CnnNet::AllCnn, CnnNet::Wide, CnnNet::Adequate}) {
    if (quick && net != CnnNet::AllCnn) continue;
    for (const CnnConv conv : {CnnConv::Standard, CnnConv::Separable, CnnConv::Factorized,
                               CnnConv::CpDecomposed}) {
      Model model = make_cnn(net, conv, input, classes, 1);
      long long params = 0;
      for (std::size_t i = 0; i < model.size(); ++i) {
        const auto [t, f] = cnn_parameter_counts(model.layer(i));
        params += t + f;
      }
      Sgd sgd(0.01, 0.8, 0.001);
      const double train32 = median_seconds([&] { train_step(model, sgd, x32, y32); }, seconds);
      Model inference = model_from_json(model_to_json(model), "bench");
      fold_batchnorms(inference);
      PredictWorkspace workspace;
      const double forward1 = median_seconds([&] { inference.predict(x1, workspace); }, seconds);
      const double forward32 = median_seconds([&] { inference.predict(x32, workspace); }, seconds);
      const std::string name = std::string(cnn_net_name(net)) + " " + cnn_conv_name(conv);
      const nlohmann::json torch = run_torch(threads, seconds, classes, name);
      nlohmann::json torch_row;
      if (!torch.is_null() && torch["rows"].contains(name)) {
        torch_row = torch["rows"][name];
        torch_version = torch["torch"].get<std::string>();
      }
      rows.push_back({name, params, forward1, forward32, train32, torch_row});
      std::fprintf(stderr, "%s done\n", name.c_str());
    }
  }
  out << "seed 003 CNNs at 32x32x3, " << classes << " classes, " << threads
      << " threads; milliseconds (medians); ratio = exprvm / PyTorch (< 1: exprvm faster)";
  if (!torch_version.empty())
    out << "; PyTorch " << torch_version;
  else
    out << "; PyTorch columns n/a (not installed or failed)";
  out << "\n\n| net conv | params | exprvm fwd b1 | torch fwd b1 | ratio | exprvm fwd b32 | "
         "torch fwd b32 | ratio | exprvm train b32 | torch train b32 | ratio |\n"
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  std::ofstream csv(options.get("out", EXPRVM_NN_TOOLS_DIR "/../../bench/results/cnn.csv"));
  csv << "net_conv,params,exprvm_forward1_s,torch_forward1_s,exprvm_forward32_s,"
         "torch_forward32_s,exprvm_train32_s,torch_train32_s\n";
  for (const Row& row : rows) {
    const nlohmann::json& t = row.torch;
    auto torch_ms = [&](const char* key) { return t.is_null() ? std::string("n/a") : ms(t[key].get<double>()); };
    out << "| " << row.name << " | " << row.params << " | " << ms(row.forward1) << " | "
        << torch_ms("forward1") << " | " << ratio(t, "forward1", row.forward1) << " | "
        << ms(row.forward32) << " | " << torch_ms("forward32") << " | "
        << ratio(t, "forward32", row.forward32) << " | " << ms(row.train32) << " | "
        << torch_ms("train32") << " | " << ratio(t, "train32", row.train32) << " |\n";
    auto torch_s = [&](const char* key) { return t.is_null() ? std::string("") : std::to_string(t[key].get<double>()); };
    csv << row.name << "," << row.params << "," << row.forward1 << "," << torch_s("forward1")
        << "," << row.forward32 << "," << torch_s("forward32") << "," << row.train32 << ","
        << torch_s("train32") << "\n";
  }
  return 0;
}

}  // namespace exprvm::nn
