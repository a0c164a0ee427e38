// `milvus-drill history | trend | analyze | check --lang` on the recorded run, as
// an operator would call them (the binary, its exit codes and its output).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "report/recorded_run.h"
#include "util/subprocess.h"

namespace mdrill {
namespace {

using nlohmann::json;

std::string Bin() {
  const char* b = std::getenv("MDRILL_BIN");
  return b ? b : "milvus-drill";
}

class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("mdrill-cli-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = (dir_ / "history.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  int Drill(std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), Bin());
    out->clear();
    return RunCapture(args, out, std::chrono::seconds(60), true);
  }
  // The recorded run.json with the coordinator test's strict RTO set to `rto`.
  std::string RunJson(double rto, const std::string& name) {
    std::ifstream in(testing::RecordedRunDir() + "/../run.json");
    json run = json::parse(in);
    json& coord = run["tests"][0];
    coord["strict_rto"]["rto_s"] = rto;
    coord["exit_code"] = rto < 15 ? 0 : 1;
    // The histories as they are in this tree (the recorded paths were the recording's).
    for (auto& t : run["tests"])
      t["history"] =
          testing::RecordedRunDir() + "/" + std::filesystem::path(t["history"].get<std::string>()).filename().string();
    run["exit_code"] = rto < 15 ? 0 : 1;
    std::string path = (dir_ / name).string();
    std::ofstream(path) << run.dump();
    return path;
  }
  std::filesystem::path dir_;
  std::string db_;
};

std::vector<std::string> LinesWith(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos) out.push_back(line);
  return out;
}

TEST_F(ReportCli, TrendOverThreeImportedRuns) {
  std::string out;
  const double rtos[] = {3.0, 17.5, 2.0};
  for (int k = 0; k < 3; ++k) {
    ASSERT_EQ(Drill({"history", "--import", RunJson(rtos[k], "run" + std::to_string(k) + ".json"), "--history", db_,
                     "--label", "v" + std::to_string(k + 1)},
                    &out),
              0)
        << out;
    EXPECT_NE(out.find("as run " + std::to_string(k + 1)), std::string::npos) << out;
  }
  ASSERT_EQ(Drill({"trend", "--scenario", "coordinator", "--history", db_, "--html", (dir_ / "t.html").string()}, &out),
            0)
      << out;
  auto rows = LinesWith(out, "coordinator ");
  ASSERT_EQ(rows.size(), 3u) << out;
  EXPECT_NE(rows[0].find("3.00 s"), std::string::npos) << rows[0];
  EXPECT_NE(rows[0].find("PASS"), std::string::npos);
  EXPECT_NE(rows[0].find("v1"), std::string::npos);
  EXPECT_NE(rows[1].find("17.50 s"), std::string::npos) << rows[1];
  EXPECT_NE(rows[1].find("FAIL"), std::string::npos);
  EXPECT_NE(rows[2].find("2.00 s"), std::string::npos) << rows[2];
  EXPECT_NE(rows[2].find("v3"), std::string::npos);
  std::ifstream html_in(dir_ / "t.html");
  std::string html((std::istreambuf_iterator<char>(html_in)), {});
  EXPECT_NE(html.find("17.50"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);

  ASSERT_EQ(Drill({"trend", "--scenario", "coordinator", "--history", db_, "--last", "2"}, &out), 0);
  EXPECT_EQ(LinesWith(out, "coordinator ").size(), 2u) << out;
  EXPECT_EQ(Drill({"trend", "--scenario", "nosuch", "--history", db_}, &out), 1);
  EXPECT_NE(out.find("no stored test of scenario 'nosuch'"), std::string::npos);

  ASSERT_EQ(Drill({"history", "--history", db_}, &out), 0);
  auto listed = LinesWith(out, "lab ");
  ASSERT_EQ(listed.size(), 3u) << out;
  EXPECT_NE(listed[0].find("v3"), std::string::npos) << "newest first: " << out;
  EXPECT_NE(listed[1].find("FAIL"), std::string::npos);

  ASSERT_EQ(Drill({"analyze", "--history", db_, "--runs", "1,3", "--lang", "zh"}, &out), 0) << out;
  EXPECT_NE(out.find("分析范围: 10 次测试，2 次运行"), std::string::npos) << out;
  EXPECT_NE(out.find("等级: 四个九"), std::string::npos);
  EXPECT_EQ(Drill({"analyze", "--history", db_, "--runs", "1,x"}, &out), 2);
  EXPECT_NE(out.find("comma-separated list of run ids"), std::string::npos) << out;
}

TEST_F(ReportCli, BadInputIsAClearErrorAndTouchesNothing) {
  std::string out;
  std::string junk = (dir_ / "junk.db").string();
  std::ofstream(junk) << "not sqlite at all, just some text that is long enough to have a header......";
  EXPECT_EQ(Drill({"history", "--history", junk}, &out), 2);
  EXPECT_NE(out.find("not a database"), std::string::npos) << out;
  std::ifstream in(junk);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.rfind("not sqlite at all", 0), 0u);

  EXPECT_EQ(Drill({"history", "--history", (dir_ / "none.db").string()}, &out), 2);
  EXPECT_NE(out.find("no history database at"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "none.db"));  // reading never creates one

  EXPECT_EQ(Drill({"history", "--import", junk, "--history", db_}, &out), 2);
  EXPECT_NE(out.find("is not the JSON file of a run"), std::string::npos) << out;
  EXPECT_NE(Drill({"run", "--lang", "fr", "--dry-run"}, &out), 0);
  EXPECT_NE(out.find("--lang 'fr'"), std::string::npos) << out;
}

// The soak's defaults are valid as shipped (its default "1h" was once refused),
// and a malformed duration is refused by its flag's name.
TEST_F(ReportCli, SoakDefaultsPlanAnHourAndBadDurationsAreNamed) {
  std::string out;
  // No lab runs here, so the dry run cannot resolve targets (exit 2), but it plans.
  (void)Drill({"soak", "--dry-run", "--lab-dir", (dir_ / "no-lab").string()}, &out);
  EXPECT_NE(out.find("3600.0 s of searches"), std::string::npos) << out;
  EXPECT_EQ(out.find("leaves no room"), std::string::npos) << out;
  EXPECT_EQ(Drill({"soak", "--dry-run", "--duration", "1x"}, &out), 2);
  EXPECT_NE(out.find("--duration: '1x' is not a duration"), std::string::npos) << out;
  EXPECT_EQ(Drill({"soak", "--dry-run", "--max-fault", "-3s"}, &out), 2);
  EXPECT_NE(out.find("--max-fault"), std::string::npos) << out;
}

// A misspelt deliberate bug is refused before anything starts.
TEST_F(ReportCli, UnknownDeliberateBugIsRefusedAndStartsNothing) {
  std::string out;
  const auto dir = dir_ / "bug-lab";
  EXPECT_NE(Drill({"lab", "up", "--deliberate-bug", "lose-inserts,drop-tables", "--data-dir", dir.string()}, &out), 0);
  EXPECT_NE(out.find("unknown deliberate bug 'drop-tables'"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir / "state.json"));
}

TEST_F(ReportCli, CheckInChinese) {
  auto tests = testing::RecordedRun();
  ASSERT_FALSE(tests.empty());
  std::string out;
  EXPECT_EQ(Drill({"check", tests[0].history_path, "--lang", "zh"}, &out), 0) << out;
  EXPECT_NE(out.find("总查询数: "), std::string::npos) << out;
  EXPECT_NE(out.find("结论: 通过"), std::string::npos);
}

}  // namespace
}  // namespace mdrill
