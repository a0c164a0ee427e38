// The HTML reports in a real browser: the recorded run's report (English and
// Chinese) and a trend page are written to files and opened in Debian's headless
// Chromium (tests/browser/check_page.mjs, playwright-core). Each must load with no
// console error or warning, no uncaught exception and no request besides itself,
// draw every chart at a real size, and leave a screenshot that is a PNG of many
// colours. A deliberately broken page proves that the harness does catch errors.
// The screenshots are left in the build directory, html-report-shots/.
#include <dirent.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "report/html.h"
#include "report/recorded_html.h"
#include "report/trend.h"
#include "util/subprocess.h"

namespace mdrill::report {
namespace {

using nlohmann::json;

std::string SourceDir() {
  const char* src = std::getenv("MDRILL_SOURCE_DIR");
  return src != nullptr ? src : ".";
}

// Screenshots stay in the build directory (ctest's working directory) for a look.
std::string ShotDir() {
  std::string dir = std::filesystem::current_path().string() + "/html-report-shots";
  std::filesystem::create_directories(dir);
  return dir;
}

// The pages go to a temporary directory, removed after a passing test and kept
// (its path printed) after a failing one.
class HtmlBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mdrill-html-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (HasFailure())
      std::printf("pages kept in %s\n", dir_.c_str());
    else
      std::filesystem::remove_all(dir_);
  }
  std::string Page(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
};

void Write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// True when some process still runs with `needle` on its command line (the
// browser profile directory the script used, unique to one page).
bool ProcessWith(const std::string& needle) {
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return false;
  bool found = false;
  while (dirent* e = readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/cmdline", std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmd.find(needle) != std::string::npos && cmd.find("check_page.mjs") == std::string::npos) found = true;
  }
  closedir(proc);
  return found;
}

struct PageReport {
  int exit_code = -1;
  json facts;
};

// Opens `html` in Chromium, screenshot to `png`; the script's report.
PageReport Open(const std::string& html, const std::string& png) {
  PageReport r;
  std::string dir = SourceDir() + "/tests/browser";
  struct stat st {};
  if (::stat((dir + "/node_modules/playwright-core").c_str(), &st) != 0 || ::stat("/usr/bin/chromium", &st) != 0) {
    ADD_FAILURE() << "chromium or playwright-core is missing: run scripts/setup.sh";
    return r;
  }
  std::filesystem::remove(png);
  std::string out;
  // stderr stays apart: the report is the last line of stdout.
  r.exit_code = RunCapture({"node", dir + "/check_page.mjs", html, png}, &out, std::chrono::seconds(150));
  size_t nl = out.rfind('{');
  while (nl != std::string::npos && nl > 0 && out[nl - 1] != '\n') nl = out.rfind('{', nl - 1);
  r.facts = json::parse(nl == std::string::npos ? out : out.substr(nl), nullptr, false);
  EXPECT_FALSE(r.facts.is_discarded()) << out;
  if (r.facts.is_discarded()) r.facts = json::object();
  EXPECT_FALSE(ProcessWith(png + ".profile")) << "a browser process outlived the check of " << html;
  return r;
}

// The screenshot is a PNG (signature, IHDR), of real size, and not one flat colour.
void ExpectScreenshot(const PageReport& r, const std::string& png, int64_t min_bytes) {
  std::ifstream in(png, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GE(static_cast<int64_t>(bytes.size()), min_bytes) << png;
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(bytes.substr(12, 4), "IHDR");
  auto be32 = [&](size_t at) {
    return (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at])) << 24) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8) |
           static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 3]));
  };
  EXPECT_EQ(be32(16), r.facts.value("width", 0u));
  EXPECT_EQ(be32(20), r.facts.value("height", 0u));
  EXPECT_GE(be32(16), 800u);
  EXPECT_GT(r.facts.value("colors", 0), 16) << "the screenshot is (nearly) blank";
}

// Nothing but the page itself was loaded, and nothing complained.
void ExpectClean(const PageReport& r) {
  EXPECT_EQ(r.exit_code, 0) << r.facts.dump(1);
  for (const auto& m : r.facts.value("console", json::array()))
    EXPECT_TRUE(m["type"] != "error" && m["type"] != "warning") << m.dump();
  EXPECT_EQ(r.facts.value("page_errors", json::array()).size(), 0u) << r.facts["page_errors"].dump();
  EXPECT_EQ(r.facts.value("requests", json::array()).size(), 0u) << r.facts["requests"].dump();
  EXPECT_EQ(r.facts.value("failed_requests", json::array()).size(), 0u) << r.facts["failed_requests"].dump();
}

void ExpectCharts(const PageReport& r, size_t want) {
  const json svgs = r.facts.value("svgs", json::array());
  ASSERT_EQ(svgs.size(), want);
  for (const auto& s : svgs) {
    EXPECT_GE(s["w"].get<int>(), 800) << s.dump();
    EXPECT_GE(s["h"].get<int>(), 100) << s.dump();
    EXPECT_GE(s["shapes"].get<int>(), 5) << s.dump();
  }
}

std::vector<HtmlTest> RecordedTests() { return testing::RecordedHtmlTests(); }

TEST_F(HtmlBrowser, RecordedRunReportRendersCleanly) {
  auto tests = RecordedTests();
  ASSERT_EQ(tests.size(), 5u);
  for (Lang lang : {Lang::kEn, Lang::kZh}) {
    HtmlOptions o;
    o.lang = lang;
    o.config = {{"target", "lab"}, {"duration", "30s"}, {"fault_at", "10s"}, {"fault_for", "8s"}};
    std::string name = std::string("report-") + LangCode(lang);
    std::string html = Page(name + ".html"), png = ShotDir() + "/" + name + ".png";
    Write(html, RenderHtml(tests, o));
    PageReport r = Open(html, png);
    SCOPED_TRACE(name);
    ExpectClean(r);
    ExpectCharts(r, 4 * tests.size());
    ExpectScreenshot(r, png, 100'000);
    EXPECT_EQ(r.facts.value("lang", ""), lang == Lang::kZh ? "zh-CN" : "en");
    std::string headings = r.facts.value("headings", json::array()).dump();
    for (const auto& t : tests) EXPECT_NE(headings.find(t.result["test"].get<std::string>()), std::string::npos);
    EXPECT_NE(headings.find(lang == Lang::kZh ? "测试总结" : "Test summary"), std::string::npos) << headings;
  }
}

TEST_F(HtmlBrowser, TrendPageRendersCleanly) {
  std::vector<TrendPoint> points;
  const double strict[] = {3, 2, 4, 3};
  const int64_t failed[] = {0, 7, 2, 0};
  for (int i = 0; i < 4; ++i) {
    TrendPoint p;
    p.run_id = i + 1;
    p.started_unix_ms = 1795823406592 + i * 86'400'000LL;
    p.test = "coordinator";
    p.target = "lab";
    p.strict_rto_s = strict[i];
    if (failed[i] > 0) p.seed_rto_s = strict[i] + 0.34;
    p.failed = failed[i];
    p.total = 903;
    p.availability_pct = 100.0 * static_cast<double>(903 - failed[i]) / 903;
    p.exit_code = failed[i] > 0 ? 1 : 0;
    points.push_back(p);
  }
  std::string html = Page("trend.html"), png = ShotDir() + "/trend.png";
  Write(html, RenderTrendHtml("coordinator", points, Lang::kEn));
  PageReport r = Open(html, png);
  ExpectClean(r);
  ExpectCharts(r, 3);
  ExpectScreenshot(r, png, 30'000);
}

// The harness itself: a page that throws, logs an error and loads a missing file
// must be reported as such, or a clean result above would prove nothing.
TEST_F(HtmlBrowser, BrokenPageIsCaught) {
  std::string html = Page("broken.html"), png = ShotDir() + "/broken.png";
  Write(html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>broken</title></head><body>"
        "<h1>broken</h1><img src=\"no-such-file.png\" alt=\"\">"
        "<script>console.error('deliberate console error'); no_such_function();</script></body></html>");
  PageReport r = Open(html, png);
  EXPECT_EQ(r.exit_code, 1) << r.facts.dump(1);
  EXPECT_NE(r.facts.value("page_errors", json::array()).dump().find("no_such_function"), std::string::npos);
  EXPECT_NE(r.facts.value("console", json::array()).dump().find("deliberate console error"), std::string::npos);
  EXPECT_NE(r.facts.value("failed_requests", json::array()).dump().find("no-such-file.png"), std::string::npos);
}

}  // namespace
}  // namespace mdrill::report
