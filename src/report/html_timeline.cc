// The timeline panels of one test (see html_internal.h). Four charts share one x
// axis (seconds since the run's start) so a fault window lines up across them.
#include <algorithm>
#include <cmath>
#include <set>

#include "report/html_internal.h"
#include "report/svg_chart.h"

namespace mdrill::report::html {

using nlohmann::json;

namespace {

constexpr int kWidth = 1000;

struct Marks {
  std::vector<FaultWindow> faults;
  std::optional<double> strict_s;  // where strict recovery was reached (run time, seconds)
  std::optional<double> strict_rto_s;
  std::string strict_text, seed_text;  // the figures as the report prints them
  bool strict_never = false;
  std::optional<double> fault_start_s;
  std::optional<double> seed_start_s, seed_end_s;  // the seed RTO's outage, run time
  std::optional<double> seed_rto_s;
};

Marks FindMarks(const Timeline& t, const json& result) {
  Marks m;
  m.faults = t.faults;
  const json& strict = At(result, "strict_rto");
  if (auto fs = Num(At(strict, "fault_start_us"))) {
    m.fault_start_s = *fs / 1e6;
    if (auto rto = Num(At(strict, "rto_us"))) {
      m.strict_rto_s = *rto / 1e6;
      m.strict_text = RtoSecs(strict);
      m.strict_s = (Num(At(strict, "injected_us")).value_or(*fs) + *rto) / 1e6;
    }
    m.strict_never = Bool(At(strict, "never_recovered"));
  }
  // The seed RTO is the first outage of its slowest kind: mark where it ended.
  const json& seed = At(result, "seed_rto");
  if (auto rto = Num(At(seed, "rto_us"))) {
    m.seed_rto_s = *rto / 1e6;
    m.seed_text = RtoSecs(seed);
    const json& kinds = At(seed, "by_kind");
    if (kinds.is_object()) {
      for (const auto& [kind, k] : kinds.items()) {
        const json& outages = At(k, "outages");
        if (Num(At(k, "rto_us")) != rto || !outages.is_array() || outages.empty()) continue;
        if (auto start = Num(At(outages[0], "start_us"))) {
          m.seed_start_s = *start / 1e6;
          m.seed_end_s = (*start + *rto) / 1e6;
        }
        break;
      }
    }
  }
  return m;
}

std::string Range(const TimelineBin& b, int64_t width_us) {
  return Fixed(b.start_us / 1e6, 0) + "–" + Fixed((b.start_us + width_us) / 1e6, 0) + " s";
}

// Draws what every panel shares: the fault windows and the RTO lines. Labels only
// on the top panel; the others carry the same marks unlabelled.
void DrawMarks(SvgChart& c, const Marks& m, Lang lang, bool labels) {
  double last_label_px = -1e9;
  for (const auto& f : m.faults) {
    std::string tip = f.detail + " (" + Fixed(f.start_us / 1e6, 2) + " s";
    if (f.end_us) tip += " – " + Fixed(*f.end_us / 1e6, 2) + " s";
    tip += ")";
    if (f.end_us)
      c.Band(f.start_us / 1e6, *f.end_us / 1e6, "band", tip);
    else
      c.Band(f.start_us / 1e6, f.start_us / 1e6, "inst", tip);
    double px = c.Px(f.start_us / 1e6);
    if (labels && px - last_label_px > 110) {  // one label for faults injected together
      c.VLine(f.start_us / 1e6, "axis", Tr(lang, "fault injected"), tip);
      last_label_px = px;
    }
  }
  if (m.strict_s) {
    std::string label = std::string(Tr(lang, "strict RTO")) + " " + m.strict_text;
    c.VLine(*m.strict_s, "rto-strict", labels ? label : "", label);
  } else if (m.strict_never && m.fault_start_s) {
    std::string label = std::string(Tr(lang, "strict RTO")) + ": " + Tr(lang, "never recovered");
    c.VLine(*m.fault_start_s, "rto-never", labels ? label : "", label);
  }
  if (m.seed_end_s) {
    std::string label = std::string(Tr(lang, "seed RTO")) + " " + m.seed_text;
    c.VLine(*m.seed_end_s, "rto-seed", labels ? label : "", label);
  }
}

struct Frame {
  std::vector<double> edges;    // bin edges, seconds
  std::vector<double> centres;  // bin centres, seconds
  double per_s = 1;             // multiply a bin's count by this for a rate
  ChartAxis x;
};

Frame MakeFrame(const Timeline& t, Lang lang) {
  Frame f;
  for (const auto& b : t.bins) {
    f.edges.push_back(b.start_us / 1e6);
    f.centres.push_back((b.start_us + t.bin_us / 2.0) / 1e6);
  }
  double last = t.bins.empty() ? 0 : (t.bins.back().start_us + t.bin_us) / 1e6;
  f.edges.push_back(last);
  f.per_s = 1e6 / static_cast<double>(t.bin_us);
  f.x.min = 0;
  f.x.max = std::max({1.0, std::ceil(t.end_us / 1e6), last});
  f.x.ticks = NiceTicks(0, f.x.max, 12);
  f.x.title = Tr(lang, "seconds since run start");
  return f;
}

ChartAxis LinearY(double max, const std::string& title, int ticks) {
  ChartAxis y;
  y.min = 0;
  y.max = NiceCeil(max);
  y.ticks = NiceTicks(0, y.max, ticks);
  y.title = title;
  return y;
}

std::string Throughput(const Timeline& t, const Frame& f, const Marks& m, Lang lang) {
  SvgChart c(kWidth, 200);
  c.SetTopMargin(60);  // three rows of labels: fault, strict RTO, seed RTO
  double peak = 0;
  for (const auto& b : t.bins) peak = std::max(peak, b.ok * f.per_s);
  c.SetX(f.x);
  c.SetY(LinearY(std::max(peak * 1.1, 1.0), Tr(lang, "ok operations per second, by kind"), 4));
  DrawMarks(c, m, lang, true);
  std::vector<double> lower(t.bins.size(), 0);
  for (const auto& kind : t.kinds) {
    std::vector<double> upper = lower;
    for (size_t i = 0; i < t.bins.size(); ++i) {
      auto it = t.bins[i].by_kind.find(kind);
      if (it != t.bins[i].by_kind.end()) upper[i] += it->second.ok * f.per_s;
    }
    c.StepArea(f.edges, lower, upper, KindColor(kind), kind);
    lower = upper;
  }
  for (size_t i = 0; i < t.bins.size(); ++i) {
    const auto& b = t.bins[i];
    std::string tip = Range(b, t.bin_us) + ": " + Tr(lang, "ok") + " " + Fixed(b.ok * f.per_s, 1) + "/s";
    for (const auto& [kind, k] : b.by_kind) tip += "\n  " + kind + " " + Fixed(k.ok * f.per_s, 1) + "/s";
    c.HoverColumn(f.edges[i], f.edges[i + 1], tip);
  }
  return c.Render(Tr(lang, "Throughput"));
}

std::string Failures(const Timeline& t, const Frame& f, const Marks& m, Lang lang) {
  SvgChart c(kWidth, 130);
  double peak = 0;
  for (const auto& b : t.bins) peak = std::max(peak, (b.fail + b.unknown) * f.per_s);
  c.SetX(f.x);
  c.SetY(LinearY(std::max(peak, 1.0), Tr(lang, "failed and unknown operations per second"), 2));
  DrawMarks(c, m, lang, false);
  std::vector<double> zero(t.bins.size(), 0), fail(t.bins.size()), both(t.bins.size());
  for (size_t i = 0; i < t.bins.size(); ++i) {
    fail[i] = t.bins[i].fail * f.per_s;
    both[i] = (t.bins[i].fail + t.bins[i].unknown) * f.per_s;
  }
  if (peak == 0) {
    c.Note(Tr(lang, "no failed or unknown operations"));
  } else {
    c.StepArea(f.edges, zero, fail, "#c53030", Tr(lang, "failed"));
    c.StepArea(f.edges, fail, both, "#ed8936", Tr(lang, "unknown"));
  }
  for (size_t i = 0; i < t.bins.size(); ++i) {
    const auto& b = t.bins[i];
    if (b.fail + b.unknown == 0) continue;
    std::string tip = Range(b, t.bin_us) + ": " + Tr(lang, "failed") + " " + std::to_string(b.fail) + ", " +
                      Tr(lang, "unknown") + " " + std::to_string(b.unknown);
    for (const auto& [kind, k] : b.by_kind)
      if (k.fail + k.unknown > 0)
        tip += "\n  " + kind + " " + std::to_string(k.fail) + " / " + std::to_string(k.unknown);
    c.HoverColumn(f.edges[i], f.edges[i + 1], tip);
  }
  return c.Render(Tr(lang, "Failures"));
}

std::string LatencyPanel(const Timeline& t, const Frame& f, const Marks& m, const json& result, Lang lang) {
  SvgChart c(kWidth, 170);
  // The strict RTO's latency bound per kind, drawn so a spike can be read against it.
  std::set<int64_t> bounds;
  const json& kinds = At(At(result, "strict_rto"), "by_kind");
  if (kinds.is_object())
    for (const auto& [kind, k] : kinds.items())
      if (int64_t b = Int(At(k, "latency_bound_us")); b > 0) bounds.insert(b);
  double lo = 1e300, hi = 0;
  for (const auto& b : t.bins)
    for (const auto& [kind, k] : b.by_kind)
      if (k.p99_us) {
        lo = std::min(lo, static_cast<double>(*k.p99_us));
        hi = std::max(hi, static_cast<double>(*k.p99_us));
      }
  for (int64_t b : bounds) hi = std::max(hi, static_cast<double>(b));
  if (hi <= 0) lo = hi = 1000;
  lo = std::min(lo, hi);  // bounds but no ok operation at all
  ChartAxis y;
  y.log = true;
  y.min = std::pow(10.0, std::floor(std::log10(std::max(lo, 100.0))));
  y.max = std::pow(10.0, std::ceil(std::log10(std::max(hi, y.min * 10))));
  y.ticks = DecadeTicks(y.min, y.max);
  y.format = [](double us) {  // decades: 100 µs, 1 ms, 10 ms, 100 ms, 1 s, 10 s
    if (us >= 1e6) return Fixed(us / 1e6, 0) + " s";
    if (us >= 1e3) return Fixed(us / 1e3, 0) + " ms";
    return Fixed(us, 0) + " µs";
  };
  y.title = Tr(lang, "latency p99, corrected (log scale), by kind");
  c.SetX(f.x);
  c.SetY(y);
  DrawMarks(c, m, lang, false);
  // Kinds may have different bounds: a line each, one label on the highest.
  std::string bound_label = std::string(Tr(lang, "strict RTO bound")) + " ";
  for (int64_t b : bounds) bound_label += (b == *bounds.begin() ? "" : " / ") + Latency(b);
  for (int64_t b : bounds) c.HLine(static_cast<double>(b), "thr", b == *bounds.rbegin() ? bound_label : "");
  for (const auto& kind : t.kinds) {
    std::vector<std::optional<double>> ys;
    for (const auto& b : t.bins) {
      auto it = b.by_kind.find(kind);
      ys.push_back(it != b.by_kind.end() && it->second.p99_us ? std::optional<double>(*it->second.p99_us)
                                                              : std::nullopt);
    }
    c.Line(f.centres, ys, KindColor(kind), false, t.bins.size() <= 120);
  }
  for (size_t i = 0; i < t.bins.size(); ++i) {
    const auto& b = t.bins[i];
    std::string tip = Range(b, t.bin_us) + ": p99";
    for (const auto& [kind, k] : b.by_kind)
      if (k.p99_us) tip += "\n  " + kind + " " + Latency(*k.p99_us);
    c.HoverColumn(f.edges[i], f.edges[i + 1], tip);
  }
  return c.Render(Tr(lang, "Latency p99"));
}

std::string RecallPanel(const Timeline& t, const Frame& f, const Marks& m, const json& result, Lang lang) {
  SvgChart c(kWidth, 130);
  ChartAxis y;
  y.min = 0;
  y.max = 1;
  y.ticks = {0, 0.5, 1};
  y.title = Tr(lang, "recall@10, mean of the searches");
  c.SetX(f.x);
  c.SetY(y);
  DrawMarks(c, m, lang, false);
  const json& checks = At(result, "checks");
  if (checks.is_array())
    for (const auto& ch : checks)
      if (Str(At(ch, "name")) == "recall_after")
        if (auto thr = Num(At(ch, "threshold")))
          c.HLine(*thr, "thr", std::string(Tr(lang, "threshold")) + " " + Fixed(*thr, 2), true);
  std::vector<std::optional<double>> ys;
  bool any = false;
  for (const auto& b : t.bins) {
    ys.push_back(b.recall_mean);
    any = any || b.recall_mean.has_value();
  }
  if (!any) c.Note(Tr(lang, "no recall measured"));
  c.Line(f.centres, ys, KindColor("search"), false, t.bins.size() <= 120);
  for (size_t i = 0; i < t.bins.size(); ++i) {
    const auto& b = t.bins[i];
    if (!b.recall_mean) continue;
    c.HoverColumn(f.edges[i], f.edges[i + 1],
                  Range(b, t.bin_us) + ": " + Fixed(*b.recall_mean, 3) + " (" + std::to_string(b.recall_count) + ")");
  }
  return c.Render(Tr(lang, "Recall"));
}

std::string Swatch(const std::string& color, const std::string& text, bool line = false) {
  return "<span><i class=\"sw" + std::string(line ? " ln" : "") + "\" style=\"background:" + color + "\"></i>" +
         Esc(text) + "</span>";
}

}  // namespace

std::string TimelineHtml(const Timeline& t, const json& result, Lang lang) {
  if (t.bins.empty()) return "<p class=\"muted\">" + Esc(Tr(lang, "No operations were recorded.")) + "</p>\n";
  Marks m = FindMarks(t, result);
  Frame f = MakeFrame(t, lang);
  Frame no_title = f;
  no_title.x.title.clear();
  std::string legend = "<div class=\"legend\">";
  for (const auto& kind : t.kinds) legend += Swatch(KindColor(kind), kind);
  legend += Swatch("#c53030", Tr(lang, "failed")) + Swatch("#ed8936", Tr(lang, "unknown"));
  legend +=
      Swatch("rgba(246,173,85,.45)", Tr(lang, "fault window")) + Swatch("#dd6b20", Tr(lang, "instantaneous fault"));
  legend += Swatch("#553c9a", Tr(lang, "strict RTO"), true) + Swatch("#b83280", Tr(lang, "seed RTO (dashed)"), true);
  legend += "</div>\n";
  std::string bin = Fixed(t.bin_us / 1e6, 0);
  std::string s = "<p class=\"muted\">" + Esc(Tr(lang, "Operations by intended start, in bins of")) + " " + bin +
                  " s. " + Esc(Tr(lang, "Hover over a chart for the figures of each bin.")) + "</p>\n" + legend;
  s += "<div class=\"panel\">" + Throughput(t, no_title, m, lang) + "</div>\n";
  s += "<div class=\"panel\">" + Failures(t, no_title, m, lang) + "</div>\n";
  s += "<div class=\"panel\">" + LatencyPanel(t, no_title, m, result, lang) + "</div>\n";
  s += "<div class=\"panel\">" + RecallPanel(t, f, m, result, lang) + "</div>\n";
  return s;
}

}  // namespace mdrill::report::html
