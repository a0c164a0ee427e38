// bench_calibration: the drill's RTO against outages it did not cause, every kind
// (refused, stalled, black-holed, slowed) at every length (0.5, 1, 3, 10 s), at
// 100 probes/s. Prints, per run, the forwarder's own record of the outage, the
// strict RTO the report leads with (and its stated uncertainty), the seed RTO and
// the client view (a channel with the SDKs' default reconnect), each with its
// error, and whether the strict RTO met the 50 ms target.
//
// Needs root (a network namespace of its own). Usage:
//   MDRILL_BIN=build/milvus-drill build/bench_calibration [--quick]
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "testing/calibration.h"

using namespace mdrill::testing;

namespace {

std::string Fig(const std::optional<double>& s, double truth) {
  if (!s) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f (%+.0f ms)", *s, (*s - truth) * 1000);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  std::string error;
  if (!EnterPrivateNetns(&error)) {
    std::fprintf(stderr, "bench_calibration: %s\n", error.c_str());
    return 1;
  }
  Calibration calibration;
  if (!calibration.SetUp(&error)) {
    std::fprintf(stderr, "bench_calibration: %s\n", error.c_str());
    return 1;
  }
  std::printf(
      "| kind | true outage, s | strict RTO, s (error) | +- stated | seed RTO, s (error) | "
      "client view, s (error) | within 50 ms |\n|---|---|---|---|---|---|---|\n");
  int met = 0, runs = 0;
  for (OutageKind kind : {OutageKind::kRefused, OutageKind::kStalled, OutageKind::kBlackholed, OutageKind::kSlowed}) {
    for (int length_ms : {500, 1000, 3000, 10000}) {
      if (quick && length_ms != 1000) continue;
      CalibrationRun r = calibration.Run(kind, length_ms, 100);
      ++runs;
      if (!r.error.empty()) {
        std::printf("| %s | %.1f | could not run: %s |||||\n", OutageKindName(kind), length_ms / 1000.0,
                    r.error.c_str());
        continue;
      }
      auto strict = r.Seconds("strict_rto");
      bool ok = strict && std::fabs(*strict - r.true_s) <= 0.050;
      met += ok;
      std::printf("| %s | %.3f | %s | %.3f | %s | %s | %s |\n", OutageKindName(kind), r.true_s,
                  Fig(strict, r.true_s).c_str(), r.Seconds("strict_rto", "uncertainty_us").value_or(0),
                  Fig(r.Seconds("seed_rto"), r.true_s).c_str(), Fig(r.Seconds("client_rto"), r.true_s).c_str(),
                  ok ? "yes" : "NO");
      std::fflush(stdout);
    }
  }
  std::printf("\n%d of %d runs within 50 ms (target: all)\n", met, runs);
  return 0;
}
