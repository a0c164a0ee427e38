// A 3-minute soak on a lab of its own, through the command a user runs: every
// scheduled fault injected and healed, and every check passing (nothing lost or
// duplicated, no split-brain signal, no stale read, no failure that no fault
// explains).
#include "drill/run/soak.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "testing/ports.h"
#include "testing/server_process.h"
#include "util/subprocess.h"

namespace mdrill::testing {
namespace {

TEST(Soak, ThreeMinutesOfSeededFaultsOnTheLabPass) {
  const std::string dir = TempDir("soak");
  const int port = FreePort();
  std::string out;
  int rc = RunCapture(
      {DrillBinary(), "soak", "--duration=3m", "--seed=7", "--lab-dir=" + dir + "/lab", "--out-dir=" + dir + "/out",
       "--json=" + dir + "/soak.json", "--no-history", "--port=" + std::to_string(port),
       "--lab-base-port=" + std::to_string(FreePortRun(16)), "--rows=500", "--replicas=2"},
      &out, std::chrono::minutes(8), true);
  std::printf("%s\n", out.substr(out.size() > 6000 ? out.size() - 6000 : 0).c_str());
  std::ifstream in(dir + "/soak.json");
  auto j = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  ASSERT_EQ(j["tests"].size(), 1u);
  const auto& t = j["tests"][0];
  // The schedule the seed gives (as the same command plans it on this machine: the
  // mix depends on root and netem), all of it injected.
  std::string plan;
  RunCapture({DrillBinary(), "soak", "--duration=3m", "--seed=7", "--lab-dir=" + dir + "/none", "--dry-run"}, &plan,
             std::chrono::seconds(60), true);
  size_t planned = 0;
  for (size_t at = plan.find("\n  at "); at != std::string::npos; at = plan.find("\n  at ", at + 1)) ++planned;
  EXPECT_GT(planned, 2u) << plan;
  EXPECT_EQ(t["faults"].size(), planned) << t["faults"].dump() << "\n" << plan;
  EXPECT_EQ(t["consistency"]["lost_count"], 0);
  EXPECT_EQ(t["failures"]["unexplained"], 0);
  // The keyed workload ran every kind, and its invariants held.
  const auto& k = t["keyed"];
  EXPECT_TRUE(k["judgeable"].get<bool>()) << k.dump();
  for (const char* kind : {"key_insert", "upsert", "delete", "key_lookup"}) EXPECT_GT(k["ok_ops"][kind], 100) << kind;
  for (const char* inv : {"lost", "duplicated", "resurrected", "stale", "phantom"}) EXPECT_TRUE(k[inv].empty()) << inv;
  // The DDL churn went through whole lives of side collections, and its invariants held.
  std::map<std::string, int> ok_steps;
  std::ifstream history(t["history"].get<std::string>());
  for (std::string line; std::getline(history, line);) {
    auto op = nlohmann::json::parse(line, nullptr, false);
    if (!op.is_discarded() && op.value("kind", "").rfind("ddl_", 0) == 0 && op.value("outcome", "") == "ok")
      ++ok_steps[op["kind"]];
  }
  for (const char* step : {"ddl_create", "ddl_index", "ddl_load", "ddl_count", "ddl_release", "ddl_drop", "ddl_final"})
    EXPECT_GT(ok_steps[step], 0) << step;
  EXPECT_GE(ok_steps["ddl_drop"], 5);
  EXPECT_EQ(rc, 0) << t["checks"].dump(1);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// The lab's supervisor killed while a query node is paused: the whole lab is down
// for the fault's 2 s, then `lab up` brings it back from its data. Nothing
// acknowledged is lost, the census counts no crash beyond the kills, and the outage
// is a restart's, timed from the kill (not from the restart's return): at least
// the 2 s the lab was down.
TEST(Soak, TheLabSurvivesItsSupervisorKilledMidFault) {
  const std::string dir = TempDir("supkill");
  std::ofstream(dir + "/scenario.yaml") << R"(name: supervisor
title: The lab's supervisor killed mid-fault
tests:
  - name: supervisor
    collection: supervisor_kill_test
    duration: 45s
    workload: {keyed_rate: 5}
    faults:
      - {action: pause, selector: role=querynode, mode: one, at: 12s, for: 15s}
      - {action: kill, selector: role=supervisor, at: 14s, for: 2s}
)";
  std::string out;
  int rc = RunCapture(
      {DrillBinary(), "run", "-f", dir + "/scenario.yaml", "--lab-dir=" + dir + "/lab", "--out-dir=" + dir + "/out",
       "--json=" + dir + "/run.json", "--no-history", "--port=" + std::to_string(FreePort()),
       "--lab-base-port=" + std::to_string(FreePortRun(16)), "--rows=500", "--replicas=2"},
      &out, std::chrono::minutes(4), true);
  std::printf("%s\n", out.substr(out.size() > 4000 ? out.size() - 4000 : 0).c_str());
  std::ifstream in(dir + "/run.json");
  auto j = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  const auto& t = j["tests"][0];
  ASSERT_EQ(t["faults"].size(), 2u) << t["faults"].dump();
  for (const auto& f : t["faults"]) EXPECT_EQ(f.get<std::string>().find("failed"), std::string::npos) << f;
  EXPECT_NE(t["faults"][1].get<std::string>().find("kill supervisor"), std::string::npos) << t["faults"].dump();
  // Judged as a restart of the whole lab (restart_rto), not as a failover.
  ASSERT_TRUE(t["strict_rto"]["restart_rto_s"].is_number()) << t["strict_rto"].dump();
  const double rto = t["strict_rto"]["restart_rto_s"].get<double>();
  EXPECT_GE(rto, 2.0) << t["strict_rto"].dump();
  EXPECT_LT(rto, 60.0) << t["strict_rto"].dump();
  bool restart = false;
  for (const auto& f : t["strict_rto"]["by_fault"]) restart |= f["restart"].get<bool>();
  EXPECT_TRUE(restart) << t["strict_rto"].dump();
  EXPECT_EQ(t["consistency"]["lost_count"], 0);
  const auto& k = t["keyed"];
  for (const char* inv : {"lost", "duplicated", "resurrected", "stale", "phantom"}) EXPECT_TRUE(k[inv].empty()) << inv;
  EXPECT_TRUE(t["census"]["crashes"].empty()) << t["census"].dump();
  EXPECT_TRUE(t["census"]["outlived"].empty()) << t["census"].dump();
  std::ifstream journal(dir + "/lab/faults.journal");
  std::string all((std::istreambuf_iterator<char>(journal)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find(R"("by":"supervisor start")"), std::string::npos) << "the new supervisor healed the pause\n"
                                                                       << all;
  EXPECT_EQ(rc, 0) << t["checks"].dump(1);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// What the lab's deliberate bugs logged: bug name -> keys.
std::map<std::string, std::set<int64_t>> LoggedBugs(const std::string& logs) {
  std::map<std::string, std::set<int64_t>> out;
  const std::regex line(R"(deliberate bug ([a-z-]+): (?:keys |collection [a-z_]*_ddl_)([0-9,]*))");
  for (const auto& f : std::filesystem::directory_iterator(logs)) {
    std::ifstream in(f.path());
    for (std::string l; std::getline(in, l);) {
      std::smatch m;
      if (!std::regex_search(l, m, line)) continue;
      std::stringstream keys(m[2].str());
      for (std::string key; std::getline(keys, key, ',');)
        if (!key.empty()) out[m[1].str()].insert(std::stoll(key));
    }
  }
  return out;
}

// A lab that loses every 10th insert, stores every 10th twice, ignores every 10th
// delete and upsert: the soak fails each invariant, and every key it names is one
// the lab says it broke.
TEST(Soak, EachInvariantCatchesTheLabsDeliberateBug) {
  const std::string dir = TempDir("soak-bug");
  ::setenv("MDRILL_DELIBERATE_BUG", "lose-inserts,duplicate-inserts,ignore-deletes,ignore-upserts,ignore-drops", 1);
  std::string out;
  int rc = RunCapture({DrillBinary(), "soak", "--duration=50s", "--seed=3", "--no-partition", "--no-pause",
                       "--ddl-rate=4", "--lab-dir=" + dir + "/lab", "--out-dir=" + dir + "/out",
                       "--json=" + dir + "/soak.json", "--no-history", "--port=" + std::to_string(FreePort()),
                       "--lab-base-port=" + std::to_string(FreePortRun(16)), "--rows=500", "--replicas=2"},
                      &out, std::chrono::minutes(5), true);
  ::unsetenv("MDRILL_DELIBERATE_BUG");
  std::ifstream in(dir + "/soak.json");
  auto j = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_EQ(rc, 1) << out;
  const auto& t = j["tests"][0];
  std::map<std::string, bool> pass;
  for (const auto& c : t["checks"]) pass[c["name"]] = c["pass"];
  for (const char* name : {"lost_keys", "duplicated_keys", "resurrected_keys", "stale_keyed_reads", "ddl_violations"})
    EXPECT_FALSE(pass[name]) << name;
  EXPECT_TRUE(pass["phantom_keys"]);
  auto logged = LoggedBugs(dir + "/lab/logs");
  // A lost even key that a lookup missed is also a stale read.
  std::set<int64_t> stale_ok = logged["ignore-upserts"];
  stale_ok.insert(logged["lose-inserts"].begin(), logged["lose-inserts"].end());
  for (auto [inv, allowed] : {std::pair<const char*, const std::set<int64_t>*>{"lost", &logged["lose-inserts"]},
                              {"duplicated", &logged["duplicate-inserts"]},
                              {"resurrected", &logged["ignore-deletes"]},
                              {"stale", &stale_ok}}) {
    const auto& named = t["keyed"][inv];
    EXPECT_FALSE(named.empty()) << inv;
    for (const auto& key : named) EXPECT_TRUE(allowed->count(key.get<int64_t>())) << inv << " key " << key;
  }
  // Watched while it ran: violations reported before the end, each in the verdict
  // (a keyed one names a key the verdict names; a stale read or split-brain signal
  // fails that check).
  const std::regex seen_key(R"(violation (stale|resurrected): (?:stale|resurrected) key ([0-9]+))");
  const std::regex seen_other(R"(violation (stale_read|split_brain): )");
  int seen_keys = 0;
  for (const auto& line : t["seen_during_run"]) {
    const std::string l = line.get<std::string>();
    std::smatch m;
    if (std::regex_search(l, m, seen_other)) {
      EXPECT_FALSE(pass[m[1].str() == "stale_read" ? "stale_reads" : "split_brain"]) << l;
      continue;
    }
    ASSERT_TRUE(std::regex_search(l, m, seen_key)) << l;
    const auto& final_keys = t["keyed"][m[1].str()];
    EXPECT_NE(std::find(final_keys.begin(), final_keys.end(), std::stoll(m[2].str())), final_keys.end())
        << "seen during the run, not in the verdict: " << l;
    ++seen_keys;
  }
  EXPECT_GT(seen_keys, 0) << out;
  // Every collection the DDL check names was one whose drop the lab ignored.
  std::string ddl;
  for (const auto& c : t["checks"])
    if (c["name"] == "ddl_violations") ddl = c["definition"];
  const std::regex named(R"((resurrected|lost|vanished): collection ([0-9]+))");
  int checked = 0;
  for (std::sregex_iterator m(ddl.begin(), ddl.end(), named), end; m != end; ++m) {
    EXPECT_EQ((*m)[1].str(), "resurrected") << ddl;
    EXPECT_TRUE(logged["ignore-drops"].count(std::stoll((*m)[2].str()))) << ddl;
    ++checked;
  }
  EXPECT_GT(checked, 0) << ddl;
  EXPECT_EQ(ddl.find("stuck: "), std::string::npos) << ddl;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace mdrill::testing
