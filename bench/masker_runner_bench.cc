// Secret masking throughput: a step's output (log text with secrets and
// their base64 forms sprinkled in) streamed through the masker in 64 KiB
// reads, as the runner reads a pipe, against a plain copy of the same bytes
// (the floor). Target: >= 200 MB/s with 100 secrets.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/masker.h"

namespace {

std::vector<std::string> Secrets(int n) {
  std::mt19937 rng(7);
  const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=-_";
  std::vector<std::string> secrets;
  for (int i = 0; i < n; ++i) {
    std::string s;
    size_t len = 16 + rng() % 33;
    for (size_t k = 0; k < len; ++k) s += alphabet[rng() % (sizeof(alphabet) - 1)];
    secrets.push_back(s);
  }
  return secrets;
}

// 16 MiB of log-like lines; one line in 50 holds a secret or its base64,
// or with `wrapped`, a registry config holding a secret as `base64` prints
// it (76 columns).
std::string LogText(const std::vector<std::string>& secrets, bool wrapped = false) {
  std::mt19937 rng(11);
  const char* words[] = {"epoch",      "loss",     "accuracy", "step",       "INFO",
                         "training",   "batch",    "0.9731",   "validation", "writing",
                         "checkpoint", "model.pt", "ok"};
  std::string text;
  while (text.size() < (16u << 20)) {
    text += "2026-11-24T03:55:01Z ";
    int n = 6 + static_cast<int>(rng() % 10);
    for (int i = 0; i < n; ++i) {
      text += words[rng() % (sizeof(words) / sizeof(words[0]))];
      text += ' ';
    }
    if (rng() % 50 == 0) {
      const std::string& s = secrets[rng() % secrets.size()];
      if (wrapped && rng() % 2) {
        std::string encoded = tame::Base64Encode(R"({"auths":{"r":{"password":")" + s + "\"}}}");
        for (size_t at = 0; at < encoded.size(); at += 76) text += encoded.substr(at, 76) + "\n";
      } else {
        text += rng() % 2 ? s : tame::Base64Encode("x" + s);
      }
    }
    text += '\n';
  }
  return text;
}

void Stream(benchmark::State& state, bool mask, bool wrapped = false) {
  const std::vector<std::string> secrets = Secrets(static_cast<int>(state.range(0)));
  const std::string text = LogText(secrets, wrapped);
  tame::MaskPatterns patterns(secrets);
  std::string out;
  out.reserve(text.size() + 4096);
  for (auto _ : state) {
    out.clear();
    if (mask) {
      tame::StreamMasker stream(&patterns);
      for (size_t at = 0; at < text.size(); at += 1 << 16) {
        stream.Feed(std::string_view(text).substr(at, 1 << 16), &out);
      }
      stream.Finish(&out);
    } else {
      for (size_t at = 0; at < text.size(); at += 1 << 16) {
        out.append(text, at, 1 << 16);
      }
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
  state.counters["patterns"] = static_cast<double>(patterns.pattern_count());
}

void BM_MaskStream(benchmark::State& state) { Stream(state, true); }
void BM_CopyStream(benchmark::State& state) { Stream(state, false); }
void BM_MaskStreamWrapped(benchmark::State& state) { Stream(state, true, true); }

BENCHMARK(BM_CopyStream)->Arg(100)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MaskStream)->Arg(1)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MaskStreamWrapped)->Arg(100)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
