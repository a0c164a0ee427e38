// The drill's RTO against outages it did not cause, one of each kind: a
// standalone server behind a forwarder that refuses, stalls, black-holes or slows
// every connection for a known time, started through the drill's kubernetes
// backend (a stand-in kubectl). The RTO the report leads with (strict) must be
// within 50 ms of the forwarder's own record of the outage at 100 probes/s (or
// within the drill's stated uncertainty, at most 100 ms, where that is wider), and
// the client view (a channel with the SDKs' default reconnect) must not be
// shorter than the outage. bench_calibration prints every kind at 0.5, 1, 3 and
// 10 s. Runs in a network namespace of its own (root).
#include "testing/calibration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace mdrill::testing {
namespace {

Calibration* bench = nullptr;

void Expect(OutageKind kind, int length_ms) {
  ASSERT_NE(bench, nullptr);
  CalibrationRun r = bench->Run(kind, length_ms, 100);
  ASSERT_TRUE(r.error.empty()) << r.error << "\n" << r.console;
  auto strict = r.Seconds("strict_rto");
  auto unc = r.Seconds("strict_rto", "uncertainty_us");
  auto client = r.Seconds("client_rto");
  ASSERT_TRUE(strict.has_value()) << r.console;
  std::printf("%-10s true %.3f s  strict RTO %.3f s (+- %.3f, error %+.0f ms)  seed %.3f s  client view %s\n",
              OutageKindName(kind), r.true_s, *strict, unc.value_or(0), (*strict - r.true_s) * 1000,
              r.Seconds("seed_rto").value_or(-1), client ? std::to_string(*client).c_str() : "n/a");
  EXPECT_NEAR(r.true_s, length_ms / 1000.0, 0.02);  // the forwarder did what it was asked
  // Within 50 ms, or within the uncertainty the drill states when that is wider:
  // the connect probes run 20 a second, 50 ms apart, so each end of the outage is
  // seen up to 50 ms late and 50 ms cannot hold for them every time (CI once read
  // +53 ms, stated +- 69 ms). A stated uncertainty over 100 ms fails on its own.
  auto within = [&](double measured, double stated_s, const std::string& what) {
    EXPECT_LE(stated_s, 0.100) << what << ": " << r.console;
    EXPECT_LE(std::fabs(measured - r.true_s), std::max(0.050, stated_s)) << what << ": " << r.console;
  };
  within(*strict, unc.value_or(0), "strict RTO");
  // One outage, seen once: no second outage after recovery.
  for (const char* kind_name : {"probe", "connect"}) {
    auto k = r.KindSeconds("strict_rto", kind_name);
    const nlohmann::json by_kind = r.result["strict_rto"]["by_kind"].value(kind_name, nlohmann::json());
    std::printf("  %-8s %s\n", kind_name, by_kind.dump().c_str());
    ASSERT_TRUE(k.has_value()) << kind_name;
    within(*k, by_kind.value("uncertainty_us", 0.0) / 1e6, kind_name);
  }
  ASSERT_TRUE(client.has_value()) << r.console;
  EXPECT_GE(*client, r.true_s - 0.050);
}

TEST(Calibration, Refused) { Expect(OutageKind::kRefused, 3000); }
TEST(Calibration, Stalled) { Expect(OutageKind::kStalled, 1000); }
TEST(Calibration, Blackholed) { Expect(OutageKind::kBlackholed, 2000); }
TEST(Calibration, Slowed) { Expect(OutageKind::kSlowed, 1000); }

// kubectl refusing the census from the fault on: each census is tried once a
// second (not on every 100 ms tick, which spawned kubectl 20 times a second beside
// the measurement), the failure is said once, and the census checks are not
// judged rather than passed.
TEST(Calibration, ACensusThePlatformRefusesIsTriedOnceASecondAndNotJudged) {
  ASSERT_NE(bench, nullptr);
  CalibrationRun r = bench->Run(OutageKind::kRefused, 1000, 100, true);
  ASSERT_TRUE(r.error.empty()) << r.error << "\n" << r.console;
  int lists = 0;
  for (const auto& call : r.kubectl_calls) lists += call.find("get networkpolicies") != std::string::npos;
  std::printf("%d network policy listings\n", lists);
  // The start census, then at most one a second: the rest of the test (6 s) and
  // the end census's patience (10 s).
  EXPECT_GE(lists, 3);
  EXPECT_LE(lists, 1 + 6 + 11 + 2);
  int said = 0;
  std::istringstream console(r.console);
  for (std::string line; std::getline(console, line);)
    said += line.find("] census ") != std::string::npos && line.find(" failed: ") != std::string::npos;
  EXPECT_EQ(said, 1) << r.console;
  bool seen = false;
  for (const auto& c : r.result["checks"]) {
    if (c.value("name", "") != "faults_outlived") continue;
    seen = true;
    EXPECT_FALSE(c.value("judged", true)) << c.dump();
    EXPECT_NE(c.value("definition", "").find("Forbidden"), std::string::npos) << c.dump();
  }
  EXPECT_TRUE(seen) << r.result["checks"].dump();
}

}  // namespace
}  // namespace mdrill::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string error;
  if (!mdrill::testing::EnterPrivateNetns(&error)) {
    std::fprintf(stderr, "calibration: %s\n", error.c_str());
    return 1;
  }
  mdrill::testing::Calibration calibration;
  if (!calibration.SetUp(&error)) {
    std::fprintf(stderr, "calibration: %s\n", error.c_str());
    return 1;
  }
  mdrill::testing::bench = &calibration;
  return RUN_ALL_TESTS();
}
