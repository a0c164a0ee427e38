// The HTML report of the recorded run (tests/data/recorded-run): every check with
// its result, the RTO figures, the timeline's bins counted again from the history
// files, a page that needs nothing outside itself, escaping, and the Chinese page.
#include "report/html.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "report/recorded_html.h"
#include "report/timeline.h"
#include "report/trend.h"

namespace mdrill::report {
namespace {

using nlohmann::json;

std::vector<HtmlTest> Load() { return testing::RecordedHtmlTests(); }

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// The <section> of test number i.
std::string Section(const std::string& html, size_t i) {
  size_t a = html.find("<section class=\"test\" id=\"t-" + std::to_string(i) + "\">");
  if (a == std::string::npos) return "";
  return html.substr(a, html.find("</section>", a) - a);
}

// The table row holding `cell`, within `html`.
std::string RowWith(const std::string& html, const std::string& cell) {
  size_t p = html.find(cell);
  if (p == std::string::npos) return "";
  size_t a = html.rfind("<tr>", p);
  return html.substr(a, html.find("</tr>", p) - a);
}

// HTML escaping, written out again here so the test does not trust the renderer's.
std::string Escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '"')
      out += "&quot;";
    else if (c == '\'')
      out += "&#39;";
    else
      out += c;
  }
  return out;
}

// An RTO as the report prints it: "2.370 ± 0.007 s".
std::string RtoFigure(const json& rto) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f \u00b1 %.3f s", rto["rto_us"].get<double>() / 1e6,
                rto["uncertainty_us"].get<double>() / 1e6);
  return buf;
}

HtmlOptions English() {
  HtmlOptions o;
  o.config = {{"target", "lab"}, {"duration", "30s"}, {"thresholds", {{"rto_max_s", 15}, {"failed_max", 10}}}};
  return o;
}

TEST(Html, EveryCheckOfEveryTestWithItsResult) {
  auto tests = Load();
  ASSERT_EQ(tests.size(), 5u);
  // One check failed and one not judged, so FAIL and "not judged" are shown too.
  tests[1].result["checks"][1]["pass"] = false;
  tests[1].result["exit_code"] = 1;
  tests[2].result["checks"][0]["judged"] = false;
  std::string html = RenderHtml(tests, English());
  for (size_t i = 0; i < tests.size(); ++i) {
    const json& r = tests[i].result;
    std::string section = Section(html, i);
    SCOPED_TRACE(r["test"].get<std::string>());
    ASSERT_FALSE(section.empty());
    EXPECT_NE(section.find(r["test"].get<std::string>()), std::string::npos);
    ASSERT_GE(r["checks"].size(), 8u);
    for (const auto& c : r["checks"]) {
      std::string row = RowWith(section, "<code>" + Escaped(c["name"].get<std::string>()) + "</code>");
      ASSERT_FALSE(row.empty()) << c["name"];
      const char* want = !c["judged"].get<bool>() ? ">not judged<" : c["pass"].get<bool>() ? ">PASS<" : ">FAIL<";
      EXPECT_NE(row.find(want), std::string::npos) << row;
      EXPECT_NE(row.find(Escaped(c["definition"].get<std::string>())), std::string::npos) << row;
    }
    // The verdict badge in the heading follows the exit code.
    std::string heading = section.substr(0, section.find("</h2>"));
    EXPECT_NE(heading.find(i == 1 ? ">FAIL<" : ">PASS<"), std::string::npos) << heading;
    // Four panels: throughput, failures, latency, recall.
    EXPECT_EQ(Count(section, "<svg "), 4);
  }
  EXPECT_NE(html.find("<code>thresholds.rto_max_s</code>"), std::string::npos);
  EXPECT_NE(html.find("<html lang=\"en\">"), std::string::npos);
}

TEST(Html, RtoFiguresAndMarks) {
  auto tests = Load();
  std::string html = RenderHtml(tests, English());
  int marked = 0;
  for (size_t i = 0; i < tests.size(); ++i) {
    const json& strict = tests[i].result["strict_rto"];
    ASSERT_TRUE(strict["rto_us"].is_number());
    std::string section = Section(html, i);
    std::string figure = RtoFigure(strict);
    EXPECT_NE(section.find("<div class=\"v\">" + figure + "</div>"), std::string::npos) << figure;
    EXPECT_NE(section.find("strict RTO " + figure), std::string::npos);  // the label on the timeline
    EXPECT_NE(section.find("class=\"rto-strict\""), std::string::npos);
    marked += strict["rto_us"].get<int64_t>() > 1'000'000;
    // Nothing failed in the recorded run: the seed RTO is N/A, and says why.
    EXPECT_NE(section.find("<div class=\"v\">N/A</div><div class=\"s\">nothing failed"), std::string::npos);
    EXPECT_NE(RowWith(html, ">" + tests[i].result["test"].get<std::string>() + "</a>").find("N/A (nothing failed)"),
              std::string::npos);
  }
  EXPECT_EQ(marked, 2);  // coordinator and partition recovered in 2.4 and 3.0 s; the others in 0
}

// The bins, counted again here straight from the history files.
TEST(Html, TimelineBinsMatchTheHistory) {
  for (const auto& t : Load()) {
    SCOPED_TRACE(t.result["test"].get<std::string>());
    Timeline tl = BuildTimeline(t.history);
    ASSERT_EQ(tl.bin_us, 1'000'000);
    int64_t ops = 0, ok = 0, bad = 0, in_fault_second = 0, last_intended = 0;
    const int64_t fault_start = t.result["strict_rto"]["fault_start_us"].get<int64_t>();
    const int64_t fault_bin = fault_start / 1'000'000 * 1'000'000;
    for (const auto& op : t.history.ops) {
      if (op.kind == drill::kKindFinal) continue;
      ++ops;
      (op.ok() ? ok : bad) += 1;
      in_fault_second += op.intended_us >= fault_bin && op.intended_us < fault_bin + 1'000'000;
      last_intended = std::max(last_intended, op.intended_us);
    }
    int64_t bin_ok = 0, bin_bad = 0;
    for (const auto& b : tl.bins) {
      bin_ok += b.ok;
      bin_bad += b.fail + b.unknown;
      int64_t by_kind = 0;
      for (const auto& [kind, k] : b.by_kind) by_kind += k.ok + k.fail + k.unknown;
      EXPECT_EQ(by_kind, b.ok + b.fail + b.unknown);
    }
    EXPECT_EQ(bin_ok, ok);
    EXPECT_EQ(bin_bad, bad);
    EXPECT_EQ(bin_ok + bin_bad, ops);
    EXPECT_EQ(tl.ops, ops);
    EXPECT_EQ(static_cast<int64_t>(tl.bins.size()), last_intended / 1'000'000 + 1);
    const auto& fb = tl.bins[static_cast<size_t>(fault_bin / 1'000'000)];
    EXPECT_EQ(fb.ok + fb.fail + fb.unknown, in_fault_second);
    // Fault windows: from the fault.start events; only the partition was healed (fault.end).
    std::vector<int64_t> starts, ends;
    for (const auto& e : t.history.events) {
      if (e.name == drill::kEventFaultStart) starts.push_back(e.t_us);
      if (e.name == drill::kEventFaultEnd) ends.push_back(e.t_us);
    }
    ASSERT_EQ(tl.faults.size(), starts.size());
    ASSERT_FALSE(starts.empty());
    EXPECT_EQ(tl.faults[0].start_us, starts[0]);
    EXPECT_EQ(tl.faults[0].start_us, fault_start);
    for (size_t i = 0; i < tl.faults.size(); ++i) {
      EXPECT_EQ(tl.faults[i].start_us, starts[i]);
      EXPECT_EQ(tl.faults[i].end_us.has_value(), !ends.empty());
      if (!ends.empty()) {
        EXPECT_EQ(*tl.faults[i].end_us, ends[0]);
      }
    }
  }
}

// Per-bin latency, failures and recall on a history built here, with known answers.
TEST(Html, TimelineBinFigures) {
  drill::History h;
  for (int i = 1; i <= 100; ++i) {  // second 0: 100 ok searches, latency i ms, recall alternately 1 and 0.5
    drill::Op op;
    op.kind = "search";
    op.intended_us = i * 1000;
    op.start_us = op.intended_us;
    op.end_us = op.intended_us + i * 1000;
    op.recall = i % 2 ? 1.0 : 0.5;
    h.ops.push_back(op);
  }
  drill::Op bad;
  bad.kind = "insert";
  bad.intended_us = 2'500'000;
  bad.end_us = 7'500'000;
  bad.outcome = drill::Outcome::kUnknown;
  h.ops.push_back(bad);
  bad.outcome = drill::Outcome::kFail;
  h.ops.push_back(bad);
  drill::Op final_read;
  final_read.kind = drill::kKindFinal;
  final_read.intended_us = 9'000'000;
  h.ops.push_back(final_read);
  h.events = {{1'200'000, drill::kEventFaultStart, "kill-1: kill proxy-0"},
              {2'100'000, drill::kEventFaultStart, "partition-2: partition coordinator-0"},
              {4'000'000, drill::kEventFaultEnd, "partition-2 healed (lifetime over)"}};
  Timeline t = BuildTimeline(h);
  ASSERT_EQ(t.bins.size(), 3u);  // the final read is not traffic
  EXPECT_EQ(t.ops, 102);
  EXPECT_EQ(t.end_us, 7'500'000);
  EXPECT_EQ(t.bins[0].ok, 100);
  EXPECT_EQ(*t.bins[0].p99_us, 99'000);
  EXPECT_EQ(*t.bins[0].by_kind.at("search").p99_us, 99'000);
  EXPECT_DOUBLE_EQ(*t.bins[0].recall_mean, 0.75);
  EXPECT_EQ(t.bins[0].recall_count, 100);
  EXPECT_EQ(t.bins[1].ok + t.bins[1].fail + t.bins[1].unknown, 0);
  EXPECT_EQ(t.bins[2].fail, 1);
  EXPECT_EQ(t.bins[2].unknown, 1);
  EXPECT_FALSE(t.bins[2].p99_us.has_value());
  EXPECT_EQ(t.bins[2].by_kind.at("insert").fail, 1);
  ASSERT_EQ(t.faults.size(), 2u);
  EXPECT_FALSE(t.faults[0].end_us.has_value());  // a kill: instantaneous
  EXPECT_EQ(t.faults[1].id, "partition-2");
  EXPECT_EQ(*t.faults[1].end_us, 4'000'000);
  EXPECT_EQ(NearestRankP99({5}), 5);
  EXPECT_EQ(NearestRankP99({}), 0);
  // A long run is drawn in wider bins: 2 hours in at most 1200.
  h.ops[0].intended_us = 7'200'000'000;
  Timeline wide = BuildTimeline(h);
  EXPECT_EQ(wide.bin_us, 10'000'000);
  EXPECT_LE(wide.bins.size(), 1200u);
}

// A test that never started has a result with an error and no history: the page
// says so instead of drawing empty charts.
TEST(Html, ATestThatCouldNotStart) {
  HtmlTest t;
  t.result = {{"test", "coordinator"}, {"exit_code", 2}, {"error", "cannot prepare the test collection: unavailable"}};
  std::string html = RenderHtml({t}, HtmlOptions{});
  std::string section = Section(html, 0);
  EXPECT_NE(section.find(">COULD NOT JUDGE<"), std::string::npos);
  EXPECT_NE(section.find("Could not complete: cannot prepare the test collection: unavailable"), std::string::npos);
  EXPECT_NE(section.find("No operations were recorded."), std::string::npos);
  EXPECT_NE(section.find("No fault was injected."), std::string::npos);
  EXPECT_EQ(Count(html, "<svg "), 0);
  EXPECT_NE(html.find("No configuration was recorded."), std::string::npos);
}

TEST(Html, SelfContained) {
  auto tests = Load();
  for (Lang lang : {Lang::kEn, Lang::kZh}) {
    HtmlOptions o = English();
    o.lang = lang;
    std::string html = Lower(RenderHtml(tests, o));
    for (const char* banned : {"<script", "<link", "http://", "https://", "@import", "url(", "<iframe", "<img"})
      EXPECT_EQ(html.find(banned), std::string::npos) << banned;
    EXPECT_EQ(html.rfind("<!doctype html>", 0), 0u);
    EXPECT_NE(html.find("<style>"), std::string::npos);
  }
}

TEST(Html, EscapesEveryString) {
  auto tests = Load();
  tests.resize(1);
  tests[0].result["test"] = "<script>alert(1)</script>";
  tests[0].result["checks"][0]["definition"] = "a \"quoted\" & <b>bold</b> definition";
  tests[0].result["error"] = "it's <broken>";
  tests[0].history.events.push_back({11'000'000, drill::kEventTarget, "<img src=x onerror=alert(2)>"});
  HtmlOptions o = English();
  o.title = "<title>report";
  o.config = {{"<key>", "<value>"}};
  std::string html = RenderHtml(tests, o);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<b>bold"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<broken>"), std::string::npos);
  EXPECT_EQ(html.find("<key>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("a &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt; definition"), std::string::npos);
  EXPECT_NE(html.find("it&#39;s &lt;broken&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(2)&gt;"), std::string::npos);
  EXPECT_NE(html.find("<title>&lt;title&gt;report</title>"), std::string::npos);
  EXPECT_EQ(Count(html, "<title>"), Count(html, "</title>"));
}

TEST(Html, ChineseUsesTheSeedsWords) {
  auto tests = Load();
  HtmlOptions o = English();
  o.lang = Lang::kZh;
  o.title = HtmlOptions{}.title;
  std::string html = RenderHtml(tests, o);
  EXPECT_NE(html.find("<html lang=\"zh-CN\">"), std::string::npos);
  for (const char* zh : {"可用性", "失败请求数", "测试总结", "故障转移测试报告", "RTO 达标", "失败请求数达标", "成功率",
                         "平均延迟", "总查询数", "四个九", "通过"})
    EXPECT_NE(html.find(zh), std::string::npos) << zh;
  for (const char* en :
       {"Test summary", "Run configuration", "Failed requests", "Availability", "Key figures", "Throughput", "Timeline",
        "RTO met", "four nines", ">PASS<", "seconds since run start", "Mean latency", "failover report"})
    EXPECT_EQ(html.find(en), std::string::npos) << en;
  // Every phrase of the table has its Chinese.
  for (const Phrase* p = HtmlPhrases(); p->en != nullptr; ++p) EXPECT_STRNE(Tr(Lang::kZh, p->en), p->en) << p->en;
}

TEST(HtmlTrend, ThreePointsWithTheirFigures) {
  std::vector<TrendPoint> points(3);
  for (int i = 0; i < 3; ++i) {
    points[i].run_id = 10 + i;
    points[i].started_unix_ms = 1795823406592 + i * 86'400'000LL;  // 2026-11-27, -28, -29
    points[i].test = "coordinator";
    points[i].target = "lab";
    points[i].total = 900;
  }
  points[0].strict_rto_s = 3.0;
  points[0].availability_pct = 100;
  points[0].exit_code = 0;
  points[1].strict_rto_s = 2.0;
  points[1].seed_rto_s = 2.34;
  points[1].failed = 7;
  points[1].availability_pct = 98.8391;
  points[1].exit_code = 1;
  points[1].label = "v2.5.<1>";
  points[2].never_recovered = true;
  points[2].failed = 120;
  points[2].availability_pct = 86.6667;
  points[2].lost = 3;
  points[2].exit_code = 1;
  std::string html = RenderTrendHtml("coordinator", points, Lang::kEn);
  EXPECT_EQ(Count(html, "<svg "), 3);  // RTO, failed requests, availability
  for (const char* fact : {"#10", "#11", "#12", "2026-11-27", "2026-11-28", "2026-11-29", "3.00 s", "2.00 s", "2.34 s",
                           "7 / 900", "120 / 900", "98.8391 %", "86.6667 %", "never recovered", "v2.5.&lt;1&gt;"})
    EXPECT_NE(html.find(fact), std::string::npos) << fact;
  EXPECT_EQ(html.find("v2.5.<1>"), std::string::npos);
  // A dot per point and figure: 3 strict (one none: never recovered) + 1 seed.
  EXPECT_EQ(Count(html, "<circle"), 2 + 1 + 3);
  std::string lower = Lower(html);
  for (const char* banned : {"<script", "<link", "http://", "https://", "@import", "url("})
    EXPECT_EQ(lower.find(banned), std::string::npos) << banned;
  std::string zh = RenderTrendHtml("coordinator", points, Lang::kZh);
  for (const char* w : {"趋势", "可用性", "失败请求数", "未恢复"}) EXPECT_NE(zh.find(w), std::string::npos) << w;
  EXPECT_NE(RenderTrendHtml("none", {}, Lang::kEn).find("No stored runs"), std::string::npos);
}

}  // namespace
}  // namespace mdrill::report
