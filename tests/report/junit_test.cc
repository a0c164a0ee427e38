#include "report/junit.h"

#include <gtest/gtest.h>

#include <regex>

#include "drill/check/check.h"
#include "report/recorded_run.h"

namespace mdrill::report {
namespace {

using nlohmann::json;

std::vector<json> Results() {
  std::vector<json> out;
  for (auto& t : testing::RecordedRun()) out.push_back(t.result);
  return out;
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// Every element opened is closed, in order (the XML is well formed as far as
// elements go; attribute values never hold a raw '<' or '"' thanks to escaping).
bool Balanced(const std::string& xml) {
  std::vector<std::string> open;
  std::regex tag(R"(<(/?)([A-Za-z][\w-]*)[^<>]*?(/?)>)");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), tag); it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    if (m[3] == "/") continue;  // <x/>
    if (m[1] == "/") {
      if (open.empty() || open.back() != m[2]) return false;
      open.pop_back();
    } else {
      open.push_back(m[2]);
    }
  }
  return open.empty();
}

TEST(Junit, EveryCheckOfTheRecordedRunIsATestcase) {
  auto results = Results();
  ASSERT_EQ(results.size(), 5u);
  std::string xml = RenderJunit(results, "milvus-drill", "2026-11-27T23:50:06Z");
  EXPECT_TRUE(Balanced(xml)) << xml;
  size_t checks = 0;
  for (const auto& r : results) {
    std::string test = r["test"];
    EXPECT_NE(xml.find("<testsuite name=\"" + test + "\" tests=\"" + std::to_string(r["checks"].size()) +
                       "\" failures=\"0\" errors=\"0\" skipped=\"0\""),
              std::string::npos)
        << test;
    for (const auto& c : r["checks"]) {
      ++checks;
      std::string name = XmlEscape(c["name"].get<std::string>());
      EXPECT_NE(xml.find("classname=\"milvus-drill." + test + "\" name=\"" + name + "\""), std::string::npos) << name;
    }
  }
  EXPECT_EQ(Count(xml, "<testcase "), static_cast<int>(checks));
  EXPECT_EQ(Count(xml, "<failure"), 0);  // the recorded run passed
  EXPECT_NE(xml.find("<testsuites name=\"milvus-drill\" tests=\"" + std::to_string(checks) + "\" failures=\"0\""),
            std::string::npos);
  // The passing figure is shown too, with its uncertainty: the coordinator's strict RTO.
  EXPECT_NE(xml.find("measured 2.370 \u00b1 0.007 s, required &lt; 15.000 s"), std::string::npos);
}

TEST(Junit, AFailedCheckCarriesTheFigureAndTheThreshold) {
  auto results = Results();
  json& c = results[0]["checks"][0];
  ASSERT_EQ(c["name"], "rto");
  c["measured"] = 17.2;
  c["pass"] = false;
  json& avail = results[0]["checks"][2];
  ASSERT_EQ(avail["name"], "availability");
  avail["measured"] = 99.5;
  avail["pass"] = false;
  std::string xml = RenderJunit(results, "s", "");
  EXPECT_TRUE(Balanced(xml));
  EXPECT_EQ(Count(xml, "<failure "), 2);
  EXPECT_NE(
      xml.find("<failure message=\"rto: measured 17.200 \u00b1 0.007 s, required &lt; 15.000 s\" type=\"threshold\">"),
      std::string::npos)
      << xml.substr(0, 2000);
  EXPECT_NE(xml.find("availability: measured 99.5000 %, required &gt;= 99.9000 %"), std::string::npos);
  EXPECT_NE(xml.find("tests=\"9\" failures=\"2\""), std::string::npos);
}

TEST(Junit, UnjudgedIsSkippedAndARunErrorIsAnError) {
  auto results = Results();
  results[1]["checks"][1]["judged"] = false;
  results[1]["checks"][1].erase("measured");
  json broken = {{"test", "partition<x>"}, {"error", "lab \"down\" & out"}, {"exit_code", 2}};
  results.push_back(broken);
  std::string xml = RenderJunit(results, "s", "");
  EXPECT_TRUE(Balanced(xml));
  EXPECT_EQ(Count(xml, "<skipped "), 1);
  EXPECT_EQ(Count(xml, "<error "), 1);
  EXPECT_NE(xml.find("<testsuite name=\"partition&lt;x&gt;\" tests=\"1\" failures=\"0\" errors=\"1\""),
            std::string::npos);
  EXPECT_NE(xml.find("message=\"lab &quot;down&quot; &amp; out\""), std::string::npos);
}

TEST(Junit, FiguresHaveUnits) {
  // Each check carries its unit (drill/check/*_check.cc); JUnit prints it.
  auto check = [](const char* name, drill::CheckUnit unit) {
    return drill::ToJson(drill::Titled(drill::MakeCheck(name, 1, 1, "<", ""), name, name, unit));
  };
  EXPECT_EQ(CheckFigure(check("rto", drill::kSeconds), 2.5), "2.50 s");
  EXPECT_EQ(CheckFigure(check("failed_requests", drill::kCount), 3), "3");
  EXPECT_EQ(CheckFigure(check("availability", drill::kPercent), 99.95), "99.9500 %");
  EXPECT_EQ(CheckFigure(check("recall_after", drill::kRatio), 0.9), "0.900");
  // A check from a file written before units were recorded: a plain figure.
  EXPECT_EQ(CheckFigure(nlohmann::json{{"name", "rto"}}, 2.5), "2.500");
  EXPECT_EQ(XmlEscape(std::string("a\x01<")), "a &lt;");
}

}  // namespace
}  // namespace mdrill::report
