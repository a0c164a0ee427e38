// The trend page (trend.h): one scenario's stored runs, oldest first. A scenario
// may hold several tests (worker: worker.proxy and worker.querynode), so every
// chart draws one series per test over the same x axis, the run order.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <exception>
#include <map>
#include <set>

#include "report/html_internal.h"
#include "report/svg_chart.h"
#include "report/trend.h"

namespace mdrill::report {

using namespace html;

namespace {

constexpr int kWidth = 1000;
const char* const kSeriesColors[] = {"#2b6cb0", "#2f855a", "#805ad5", "#d69e2e", "#319795", "#b83280"};

std::string When(int64_t unix_ms, const char* fmt) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  if (unix_ms <= 0 || gmtime_r(&secs, &tm) == nullptr) return "?";
  char buf[40];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

struct Layout {
  std::vector<int64_t> runs;             // run ids in order of first appearance
  std::map<int64_t, size_t> run_index;   // run id -> x
  std::map<int64_t, int64_t> run_start;  // run id -> started_unix_ms
  std::vector<std::string> tests;        // in order of first appearance
  ChartAxis x;
};

Layout MakeLayout(const std::vector<TrendPoint>& points, Lang lang) {
  Layout l;
  for (const auto& p : points) {
    if (l.run_index.emplace(p.run_id, l.runs.size()).second) {
      l.runs.push_back(p.run_id);
      l.run_start[p.run_id] = p.started_unix_ms;
    }
    if (std::find(l.tests.begin(), l.tests.end(), p.test) == l.tests.end()) l.tests.push_back(p.test);
  }
  l.x.min = -0.5;
  l.x.max = static_cast<double>(l.runs.size()) - 0.5;
  size_t every = std::max<size_t>(1, (l.runs.size() + 11) / 12);  // at most ~12 labels
  for (size_t i = 0; i < l.runs.size(); i += every) l.x.ticks.push_back(static_cast<double>(i));
  std::vector<int64_t> runs = l.runs;
  l.x.format = [runs](double v) {
    size_t i = static_cast<size_t>(std::llround(std::max(0.0, v)));
    return i < runs.size() ? "#" + std::to_string(runs[i]) : std::string();
  };
  l.x.title = Tr(lang, "run (date, UTC)");
  return l;
}

// Call after SetBottomMargin(48), which keeps the room for this second line.
void DateLabels(SvgChart& c, const Layout& l) {
  for (double t : l.x.ticks) c.SubLabel(t, When(l.run_start.at(l.runs[static_cast<size_t>(t)]), "%m-%d %H:%M"));
}

const char* SeriesColor(const Layout& l, const std::string& test) {
  size_t i = static_cast<size_t>(std::find(l.tests.begin(), l.tests.end(), test) - l.tests.begin());
  return kSeriesColors[i % 6];
}

std::string Tip(const TrendPoint& p, const std::string& figure) {
  return "#" + std::to_string(p.run_id) + " " + When(p.started_unix_ms, "%Y-%m-%d %H:%M") + " " + p.test +
         (p.label.empty() ? "" : " [" + p.label + "]") + ": " + figure;
}

std::string RtoChart(const std::vector<TrendPoint>& points, const Layout& l, Lang lang) {
  SvgChart c(kWidth, 234);
  c.SetBottomMargin(48);  // run numbers, then their dates
  double peak = 1;
  for (const auto& p : points) peak = std::max({peak, p.strict_rto_s.value_or(0), p.seed_rto_s.value_or(0)});
  ChartAxis y;
  y.max = NiceCeil(peak * 1.15);
  y.ticks = NiceTicks(0, y.max, 4);
  y.format = [](double v) { return Fixed(v, v < 10 && v != std::floor(v) ? 1 : 0) + " s"; };
  y.title = Tr(lang, "RTO per run: strict (solid) and seed (dashed)");
  c.SetX(l.x);
  c.SetY(y);
  for (const auto& test : l.tests) {
    std::vector<double> xs;
    std::vector<std::optional<double>> strict, seed;
    std::vector<std::string> strict_tips, seed_tips;
    for (const auto& p : points) {
      if (p.test != test) continue;
      double x = static_cast<double>(l.run_index.at(p.run_id));
      xs.push_back(x);
      strict.push_back(p.strict_rto_s);
      seed.push_back(p.seed_rto_s);
      strict_tips.push_back(
          Tip(p, std::string(Tr(lang, "strict RTO")) + " " + (p.strict_rto_s ? Secs(*p.strict_rto_s) : "N/A")));
      seed_tips.push_back(
          Tip(p, std::string(Tr(lang, "seed RTO")) + " " + (p.seed_rto_s ? Secs(*p.seed_rto_s) : "N/A")));
      if (p.never_recovered)
        c.Rect(x - 0.12, x + 0.12, y.max * 0.94, y.max, "#c53030",
               Tip(p, std::string(Tr(lang, "strict RTO")) + ": " + Tr(lang, "never recovered")));
    }
    c.Line(xs, strict, SeriesColor(l, test), false, true, strict_tips);
    c.Line(xs, seed, SeriesColor(l, test), true, true, seed_tips);
  }
  DateLabels(c, l);
  return c.Render(Tr(lang, "RTO"));
}

std::string FailedChart(const std::vector<TrendPoint>& points, const Layout& l, Lang lang) {
  SvgChart c(kWidth, 214);
  c.SetBottomMargin(48);  // run numbers, then their dates
  double peak = 1;
  for (const auto& p : points) peak = std::max(peak, static_cast<double>(p.failed));
  ChartAxis y;
  y.max = NiceCeil(peak * 1.1);
  y.ticks = NiceTicks(0, y.max, 4);
  y.title = Tr(lang, "failed requests per run (failed + unknown)");
  c.SetX(l.x);
  c.SetY(y);
  // Side-by-side bars, one slot per test within the run's column.
  double slot = 0.7 / static_cast<double>(std::max<size_t>(1, l.tests.size()));
  for (const auto& p : points) {
    size_t ti = static_cast<size_t>(std::find(l.tests.begin(), l.tests.end(), p.test) - l.tests.begin());
    double x0 = static_cast<double>(l.run_index.at(p.run_id)) - 0.35 + slot * static_cast<double>(ti);
    c.Rect(x0, x0 + slot * 0.9, 0, static_cast<double>(p.failed), SeriesColor(l, p.test),
           Tip(p, std::to_string(p.failed) + " / " + std::to_string(p.total)));
  }
  DateLabels(c, l);
  return c.Render(Tr(lang, "Failed requests"));
}

std::string AvailabilityChart(const std::vector<TrendPoint>& points, const Layout& l, Lang lang) {
  SvgChart c(kWidth, 214);
  c.SetBottomMargin(48);  // run numbers, then their dates
  double low = 100;
  for (const auto& p : points) low = std::min(low, p.availability_pct);
  // Zoom on the nines: the lowest of these floors that still shows every point.
  ChartAxis y;
  y.min = 0;
  for (double floor : {99.9, 99.0, 90.0, 0.0})
    if (low >= floor + (100 - floor) * 0.02 || floor == 0) {
      y.min = floor;
      break;
    }
  y.max = 100;
  y.ticks = NiceTicks(y.min, 100, 4);
  y.format = [](double v) { return Fixed(v, v >= 99 && v < 100 ? 2 : 0) + " %"; };
  y.title = Tr(lang, "availability per run (request-based)");
  c.SetX(l.x);
  c.SetY(y);
  for (double grade : {99.99, 99.9, 99.0})
    if (grade > y.min)
      c.HLine(grade, "thr", GradeText(lang, drill::GradeFor(grade)),
              grade == 99.9);  // 99.99 above, 99.9 below: they lie close
  for (const auto& test : l.tests) {
    std::vector<double> xs;
    std::vector<std::optional<double>> ys;
    std::vector<std::string> tips;
    for (const auto& p : points) {
      if (p.test != test) continue;
      xs.push_back(static_cast<double>(l.run_index.at(p.run_id)));
      ys.push_back(p.availability_pct);
      tips.push_back(
          Tip(p, Fixed(p.availability_pct, 4) + " % (" + GradeText(lang, drill::GradeFor(p.availability_pct)) + ")"));
    }
    c.Line(xs, ys, SeriesColor(l, test), false, true, tips);
  }
  DateLabels(c, l);
  return c.Render(Tr(lang, "Availability"));
}

std::string Verdict(int exit_code, Lang lang) {
  return Badge(lang, exit_code == 0 ? Mark::kPass : exit_code == 1 ? Mark::kFail : Mark::kNotJudged, true);
}

std::string Table(const std::vector<TrendPoint>& points, Lang lang) {
  std::string s = "<table><thead><tr>";
  const std::set<std::string> numeric = {"Run",          "Strict RTO", "Seed RTO", "Failed requests",
                                         "Availability", "Lost writes"};
  for (const char* h : {"Run", "Started (UTC)", "Label", "Target", "Test", "Verdict", "Strict RTO", "Seed RTO",
                        "Failed requests", "Availability", "Grade", "Lost writes"})
    s += std::string(numeric.count(h) ? "<th class=\"num\">" : "<th>") + Esc(Tr(lang, h)) + "</th>";
  s += "</tr></thead><tbody>";
  for (const auto& p : points) {
    std::string strict = p.never_recovered ? Tr(lang, "never recovered")
                         : p.strict_rto_s  ? Secs(*p.strict_rto_s)
                                           : "N/A";
    s += "<tr><td class=\"num\">#" + std::to_string(p.run_id) + "</td><td class=\"nw\">" +
         Esc(When(p.started_unix_ms, "%Y-%m-%d %H:%M")) + "</td><td>" + Esc(p.label) + "</td><td>" + Esc(p.target) +
         "</td><td>" + Esc(p.test) + "</td><td>" + Verdict(p.exit_code, lang) + "</td><td class=\"num\">" +
         Esc(strict) + "</td><td class=\"num\">" + Esc(p.seed_rto_s ? Secs(*p.seed_rto_s) : "N/A") +
         "</td><td class=\"num\">" + std::to_string(p.failed) + " / " + std::to_string(p.total) +
         "</td><td class=\"num\">" + Fixed(p.availability_pct, 4) + " %</td><td class=\"nw\">" +
         Esc(GradeText(lang, drill::GradeFor(p.availability_pct))) + "</td><td class=\"num\">" +
         std::to_string(p.lost) + "</td></tr>";
  }
  return s + "</tbody></table>\n";
}

std::string Render(const std::string& scenario, const std::vector<TrendPoint>& points, Lang lang) {
  std::string title = std::string(Tr(lang, "Trend")) + ": " + scenario;
  std::string s = PageStart(lang, title);
  s += "<header><h1>" + Esc(title) + "</h1>\n<p class=\"meta\">" + Esc(Tr(lang, "runs:")) + " ";
  Layout l = MakeLayout(points, lang);
  s += std::to_string(l.runs.size()) + " · " + Esc(Tr(lang, "tests:")) + " ";
  for (size_t i = 0; i < l.tests.size(); ++i) s += (i ? ", " : "") + Esc(l.tests[i]);
  s += "</p></header>\n";
  if (points.empty()) {
    s += "<p class=\"muted\">" + Esc(Tr(lang, "No stored runs for this scenario.")) + "</p>\n";
    return s + PageEnd();
  }
  s += "<div class=\"legend\">";
  for (const auto& test : l.tests)
    s += "<span><i class=\"sw\" style=\"background:" + std::string(SeriesColor(l, test)) + "\"></i>" + Esc(test) +
         "</span>";
  if (std::any_of(points.begin(), points.end(), [](const TrendPoint& p) { return p.never_recovered; }))
    s += "<span><i class=\"sw\" style=\"background:#c53030\"></i>" + Esc(Tr(lang, "never recovered")) + "</span>";
  s += "</div>\n";
  s += "<div class=\"panel\">" + RtoChart(points, l, lang) + "</div>\n";
  s += "<div class=\"panel\">" + FailedChart(points, l, lang) + "</div>\n";
  s += "<div class=\"panel\">" + AvailabilityChart(points, l, lang) + "</div>\n";
  s += "<h2>" + Esc(Tr(lang, "Runs")) + "</h2>\n" + Table(points, lang);
  s += "<footer>" +
       Esc(Tr(lang, "How to read this report: docs/report.md; every figure is defined in docs/drill.md.")) +
       "</footer>\n";
  return s + PageEnd();
}

}  // namespace

std::string RenderTrendHtml(const std::string& scenario, const std::vector<TrendPoint>& points, Lang lang) {
  try {
    return Render(scenario, points, lang);
  } catch (const std::exception& e) {
    return PageStart(lang, "milvus-drill") + "<p>cannot render the trend: " + Esc(e.what()) + "</p>\n" + PageEnd();
  }
}

}  // namespace mdrill::report
