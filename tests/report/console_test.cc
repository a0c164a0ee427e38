// The recorded run judged again from its histories: the JSON result holds exactly
// the figures the checkers compute, and the console report prints them in English
// and in Chinese with the seed's words.
#include "report/console.h"

#include <gtest/gtest.h>
#include <stdio.h>

#include "drill/run/runner.h"
#include "report/recorded_run.h"

namespace mdrill::report {
namespace {

using nlohmann::json;

drill::CheckOptions ThresholdsOf(const json& result) {
  drill::CheckOptions c;
  for (const auto& ch : result["checks"]) {
    double t = ch["threshold"].get<double>();
    if (ch["name"] == "rto") c.thresholds.rto_max_s = t;
    if (ch["name"] == "failed_requests" && ch["comparison"] == "<") c.thresholds.failed_max = static_cast<int64_t>(t);
    if (ch["name"] == "availability") c.thresholds.availability_min_pct = t;
    if (ch["name"] == "lost_writes") c.thresholds.lost_max = static_cast<int64_t>(t);
  }
  return c;
}

std::string Capture(const std::function<void(std::FILE*)>& print) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  print(f);
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  return out;
}

struct Judged {
  drill::TestResult result;
  json recorded;
};

std::vector<Judged> JudgeRecordedRun() {
  std::vector<Judged> out;
  for (auto& t : testing::RecordedRun()) {
    drill::History h;
    EXPECT_TRUE(drill::ReadHistory(t.history_path, &h).ok()) << t.history_path;
    Judged j;
    j.recorded = t.result;
    j.result.test = t.result["test"];
    j.result.history_path = t.history_path;
    j.result.result_path = "recorded.result.json";
    j.result.elapsed_s = t.result["elapsed_s"];
    j.result.judgement = drill::JudgeFile(h, ThresholdsOf(t.result));
    j.result.exit_code = j.result.judgement.exit_code;
    out.push_back(std::move(j));
  }
  return out;
}

TEST(RecordedRun, ResultJsonHoldsEveryFigureTheHistoryGives) {
  auto judged = JudgeRecordedRun();
  ASSERT_EQ(judged.size(), 5u);
  for (const auto& j : judged) {
    SCOPED_TRACE(j.result.test);
    json computed = drill::ToJson(j.result.judgement);
    for (const auto& [key, value] : computed.items()) {
      ASSERT_TRUE(j.recorded.contains(key)) << key;
      EXPECT_EQ(j.recorded[key], value) << key;
    }
    EXPECT_EQ(j.recorded["exit_code"], j.result.exit_code);
  }
}

TEST(RecordedRun, ConsoleInEnglish) {
  auto judged = JudgeRecordedRun();
  std::string test = Capture([&](std::FILE* f) { PrintTest(f, judged[0].result, Lang::kEn); });
  EXPECT_NE(test.find("Failover test report: coordinator"), std::string::npos);
  int64_t searches = 0;
  for (const auto& ph : judged[0].recorded["phases"]["phases"])
    searches += ph["by_kind"]["search"]["count"].get<int64_t>();
  EXPECT_NE(test.find("total searches: " + std::to_string(searches) + "\n"), std::string::npos) << test;
  EXPECT_NE(test.find("[ok] RTO (strict) met (< 15 s)"), std::string::npos);
  std::vector<drill::TestResult> all;
  for (auto& j : judged) all.push_back(j.result);
  std::string suite = Capture([&](std::FILE* f) { PrintSuite(f, all, Lang::kEn); });
  EXPECT_NE(suite.find("Test summary"), std::string::npos);
  EXPECT_NE(suite.find("grade: four nines"), std::string::npos);
  for (const char* zh : {"总查询数", "测试总结", "可用性"}) EXPECT_EQ((test + suite).find(zh), std::string::npos) << zh;
}

TEST(RecordedRun, ConsoleInChineseUsesTheSeedsWords) {
  auto judged = JudgeRecordedRun();
  std::string test = Capture([&](std::FILE* f) { PrintTest(f, judged[0].result, Lang::kZh); });
  std::vector<drill::TestResult> all;
  for (auto& j : judged) all.push_back(j.result);
  std::string suite = Capture([&](std::FILE* f) { PrintSuite(f, all, Lang::kZh); });
  for (const char* term : {"故障转移测试报告", "总查询数", "成功率", "平均延迟", "总耗时", "RTO 达标",
                           "没有无法由故障解释的失败请求", "可用性", "各阶段成功率", "检查项", "结论: 通过"})
    EXPECT_NE(test.find(term), std::string::npos) << term << "\n" << test;
  for (const char* term : {"测试总结", "可用性分析", "总查询数", "成功查询数", "失败查询数", "预计年度宕机时间",
                           "等级: 四个九", "没有 RTO 数据"})
    EXPECT_NE(suite.find(term), std::string::npos) << term << "\n" << suite;
  // No English phrase of the report is left.
  for (const char* en : {"total searches", "success rate", "mean latency", "elapsed", "Test summary", "verdict",
                         "grade:", "availability", "checks:", "met (<", "PASS"})
    EXPECT_EQ((test + suite).find(en), std::string::npos) << en;
}

TEST(RecordedRun, AnalysisOverStoredFigures) {
  std::string out = Capture([](std::FILE* f) { PrintAnalysis(f, {2.0, 4.0, 40.0}, 1000, 990, Lang::kEn); });
  EXPECT_NE(out.find("mean RTO: 15.33 s"), std::string::npos) << out;
  EXPECT_NE(out.find("median RTO: 4.00 s"), std::string::npos);
  EXPECT_NE(out.find("availability: 99.0000%"), std::string::npos);
  EXPECT_NE(out.find("grade: two nines"), std::string::npos);
  std::string zh = Capture([](std::FILE* f) { PrintAnalysis(f, {2.0}, 10, 10, Lang::kZh); });
  EXPECT_NE(zh.find("平均 RTO: 2.00 秒"), std::string::npos) << zh;
  EXPECT_NE(zh.find("等级: 四个九"), std::string::npos);
}

}  // namespace
}  // namespace mdrill::report
