// The HTML run report (html.h). Figures come from each test's result JSON, the
// timeline from its history; nothing is judged again here, so the page says what
// the console and the result file say.
#include "report/html.h"

#include <cctype>
#include <cmath>
#include <ctime>
#include <exception>

#include "drill/check/check.h"
#include "report/html_internal.h"
#include "report/timeline.h"

namespace mdrill::report {

using nlohmann::json;
using namespace html;

namespace {

Mark MarkOfExit(int64_t exit_code) {
  return exit_code == drill::kExitPass ? Mark::kPass : exit_code == drill::kExitFail ? Mark::kFail : Mark::kNotJudged;
}

const json* FindCheck(const json& result, const std::string& name) {
  const json& checks = At(result, "checks");
  if (!checks.is_array()) return nullptr;
  for (const auto& c : checks)
    if (Str(At(c, "name")) == name) return &c;
  return nullptr;
}

// A check's figure in its own unit, so "3.00 s" and "99.9000 %" read as such.
std::string CheckValue(const json& check, double v) { return drill::FormatFigure(v, drill::CheckFromJson(check).unit); }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Td(const std::string& text, const char* cls = nullptr) {
  return std::string("<td") + (cls ? std::string(" class=\"") + cls + "\"" : "") + ">" + text + "</td>";
}

std::string StrictRtoText(const json& result, Lang lang) {
  const json& s = At(result, "strict_rto");
  if (Num(At(s, "rto_us"))) return RtoSecs(s);
  if (Bool(At(s, "never_recovered"))) return Tr(lang, "never recovered");
  if (At(s, "fault_start_us").is_null()) return std::string("N/A (") + Tr(lang, "no fault") + ")";
  return "N/A";
}

// The seed RTO, or N/A with why when `why` is null; with `why`, the reason goes
// there and the figure is "N/A" alone (the figure cards keep their value short).
std::string SeedRtoText(const json& result, Lang lang, std::string* why = nullptr) {
  const json& s = At(result, "seed_rto");
  if (Num(At(s, "rto_us"))) return RtoSecs(s);
  if (!Bool(At(s, "recovered"), true)) return Tr(lang, "never recovered");
  if (why != nullptr) {
    *why = Tr(lang, "nothing failed");
    return "N/A";
  }
  return std::string("N/A (") + Tr(lang, "nothing failed") + ")";
}

struct Totals {
  int64_t ops = 0, bad = 0, searches = 0, searches_ok = 0;
};

// Sums the phases: workload ops and bad ones, and the seed's search-only figures.
Totals Sum(const json& result) {
  Totals t;
  const json& phases = At(At(result, "phases"), "phases");
  if (!phases.is_object()) return t;
  for (const auto& [name, ph] : phases.items()) {
    const json& all = At(ph, "all");
    t.ops += Int(At(all, "count"));
    t.bad += Int(At(all, "fail")) + Int(At(all, "unknown"));
    const json& search = At(At(ph, "by_kind"), "search");
    t.searches += Int(At(search, "count"));
    t.searches_ok += Int(At(search, "ok"));
  }
  return t;
}

std::string Fig(const std::string& key, const std::string& value, const std::string& sub, bool bad) {
  return std::string("<div class=\"fig") + (bad ? " bad" : "") + "\"><div class=\"k\">" + Esc(key) +
         "</div><div class=\"v\">" + Esc(value) + "</div><div class=\"s\">" + Esc(sub) + "</div></div>";
}

bool CheckFailed(const json& result, const std::string& name) {
  const json* c = FindCheck(result, name);
  return c && Bool(At(*c, "judged")) && !Bool(At(*c, "pass"));
}

// "RTO met (< 15 s)", the console's closing lines, for the figure cards.
std::string MetLine(const json& result, const std::string& name, Lang lang, const char* met, const char* not_met) {
  const json* c = FindCheck(result, name);
  if (!c || !Bool(At(*c, "judged"))) return Tr(lang, "not judged");
  std::string thr = Str(At(*c, "comparison")) + " " + CheckValue(*c, Num(At(*c, "threshold")).value_or(0));
  return std::string(Bool(At(*c, "pass")) ? Tr(lang, met) : Tr(lang, not_met)) + " (" + thr + ")";
}

std::string Figures(const json& r, Lang lang) {
  Totals t = Sum(r);
  std::string s = "<div class=\"figs\">";
  s += Fig(Tr(lang, "Strict RTO"), StrictRtoText(r, lang), MetLine(r, "rto", lang, "RTO met", "RTO NOT met"),
           CheckFailed(r, "rto"));
  std::string why;
  std::string seed = SeedRtoText(r, lang, &why);
  s += Fig(Tr(lang, "Seed RTO"), seed, (why.empty() ? "" : why + " · ") + Tr(lang, "first failure to first success"),
           false);
  std::string failed_line = MetLine(r, "failed_requests", lang, "failed requests met", "failed requests NOT met");
  if (const json* fc = FindCheck(r, "failed_requests"); fc && Str(At(*fc, "comparison")) == "<=") {
    // The default check: failures no fault explains; the rest are the outage's.
    auto unexplained = Num(At(At(r, "failures"), "unexplained"));
    failed_line = std::string(Tr(lang, "no fault explains")) + ": " +
                  (unexplained ? std::to_string(static_cast<int64_t>(*unexplained)) : "n/a") + " · " + failed_line;
  }
  s += Fig(Tr(lang, "Failed requests"), std::to_string(t.bad) + " / " + std::to_string(t.ops), failed_line,
           CheckFailed(r, "failed_requests"));
  const json& av = At(r, "availability");
  double pct = Num(At(At(av, "request"), "pct")).value_or(0);
  if (Bool(At(At(av, "request"), "judgeable")))
    s += Fig(Tr(lang, "Availability"), Fixed(pct, 4) + " %",
             std::string(GradeText(lang, drill::GradeFor(pct))) + " · " + Tr(lang, "time-based") + " " +
                 Fixed(Num(At(At(av, "time"), "pct")).value_or(0), 2) + " %",
             CheckFailed(r, "availability"));
  else
    s += Fig(Tr(lang, "Availability"), "N/A", Tr(lang, "no operations"), false);
  const json& c = At(r, "consistency");
  if (Bool(At(c, "judgeable")))
    s += Fig(Tr(lang, "Lost / duplicated writes"),
             std::to_string(Int(At(c, "lost_count"))) + " / " + std::to_string(Int(At(c, "duplicated_count"))),
             std::string(Tr(lang, "acknowledged rows")) + " " + std::to_string(Int(At(c, "acknowledged"))),
             CheckFailed(r, "lost_writes") || CheckFailed(r, "duplicated_writes"));
  else
    s += Fig(Tr(lang, "Lost / duplicated writes"), Tr(lang, "not judged"), Str(At(c, "why_not")), false);
  s += Fig(Tr(lang, "Split-brain signals"), std::to_string(Int(At(At(r, "split_brain"), "signals"))),
           Tr(lang, "ids issued twice, timestamps going backwards"), CheckFailed(r, "split_brain"));
  // The after phase is the one the check judges; the other two for comparison.
  auto recall = [&](const char* phase) {
    const json& p = At(At(At(r, "recall"), "by_phase"), phase);
    return Int(At(p, "count")) > 0 ? Fixed(Num(At(p, "mean")).value_or(0), 3) : std::string("n/a");
  };
  s += Fig(
      Tr(lang, "Recall@10 after the fault"), recall("after"),
      std::string(Tr(lang, "before")) + " " + recall("before") + " · " + Tr(lang, "during") + " " + recall("during"),
      CheckFailed(r, "recall_after"));
  s += Fig(Tr(lang, "Total searches"), std::to_string(t.searches),
           std::string(Tr(lang, "success rate")) + " " +
               Fixed(t.searches ? 100.0 * static_cast<double>(t.searches_ok) / static_cast<double>(t.searches) : 0, 2) +
               " %",
           false);
  const json& lat = At(At(r, "latency"), "by_kind");
  int64_t mean = Int(At(At(At(lat, "search"), "raw"), "mean_us"));
  s += Fig(Tr(lang, "Mean latency"), Latency(mean), Tr(lang, "searches, raw, as the seed measured it"), false);
  return s + "</div>\n";
}

std::string Checks(const json& r, Lang lang) {
  std::string s = "<table class=\"checks\"><thead><tr><th>" + Esc(Tr(lang, "Check")) + "</th><th class=\"num\">" +
                  Esc(Tr(lang, "Measured")) + "</th><th></th><th class=\"num\">" + Esc(Tr(lang, "Threshold")) +
                  "</th><th>" + Esc(Tr(lang, "Result")) + "</th><th>" + Esc(Tr(lang, "Definition")) +
                  "</th></tr></thead><tbody>";
  const json& checks = At(r, "checks");
  if (checks.is_array()) {
    for (const auto& c : checks) {
      std::string name = Str(At(c, "name"));
      const drill::Check check = drill::CheckFromJson(c);
      const std::string label = drill::TitleIn(check, LangCode(lang));
      bool same = Lower(label) == Lower(name);  // "Target hit: ..." is its own name
      std::string cell = (!same ? Esc(label) + "<br>" : std::string()) + "<code>" + Esc(name) + "</code>";
      auto measured = Num(At(c, "measured"));
      Mark mark = !Bool(At(c, "judged")) ? Mark::kNotJudged : Bool(At(c, "pass")) ? Mark::kPass : Mark::kFail;
      s += "<tr>" + Td(cell) + Td(measured ? Esc(drill::FormatMeasured(check)) : "n/a", "num") +
           Td(Esc(Str(At(c, "comparison"))), "num") +
           Td(Esc(CheckValue(c, Num(At(c, "threshold")).value_or(0))), "num") + Td(Badge(lang, mark, false)) +
           Td(Esc(Str(At(c, "definition"))), "def") + "</tr>";
    }
  }
  s += "</tbody></table>\n";
  const json& why = At(r, "cannot_judge");
  if (why.is_array() && !why.empty()) {
    s += "<p>" + Esc(Tr(lang, "Could not judge:")) + "</p><ul>";
    for (const auto& w : why) s += "<li>" + Esc(Str(w)) + "</li>";
    s += "</ul>\n";
  }
  return s;
}

std::string Faults(const Timeline& t, const drill::History& h, Lang lang) {
  if (t.faults.empty()) return "<p class=\"muted\">" + Esc(Tr(lang, "No fault was injected.")) + "</p>\n";
  std::string s = "<table><thead><tr><th>" + Esc(Tr(lang, "Start")) + "</th><th>" + Esc(Tr(lang, "End")) + "</th><th>" +
                  Esc(Tr(lang, "Duration")) + "</th><th>" + Esc(Tr(lang, "Fault")) + "</th></tr></thead><tbody>";
  for (const auto& f : t.faults) {
    std::string end = f.end_us ? Secs(*f.end_us / 1e6) : Tr(lang, "instantaneous");
    std::string dur = f.end_us ? Secs((*f.end_us - f.start_us) / 1e6) : "—";
    s += "<tr>" + Td(Esc(Secs(f.start_us / 1e6)), "num") + Td(Esc(end), "num") + Td(Esc(dur), "num") +
         Td(Esc(f.detail)) + "</tr>";
  }
  s += "</tbody></table>\n";
  for (const auto& e : h.events)
    if (e.name == drill::kEventTarget)
      s += "<p>" + Esc(Tr(lang, "Target:")) + " " + Esc(e.detail) +
           " <span class=\"muted\">(t = " + Esc(Secs(e.t_us / 1e6)) + ")</span></p>\n";
  return s;
}

std::string MetaLine(const drill::History& h, const Timeline& t, const json& r, Lang lang) {
  std::string s;
  auto add = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    if (!s.empty()) s += " · ";
    s += Esc(Tr(lang, key)) + " " + Esc(value);
  };
  add("collection", Str(At(h.meta, "collection")));
  add("target", Str(At(h.meta, "target")));
  add("address", Str(At(h.meta, "address")));
  if (auto d = Num(At(h.meta, "duration_s"))) add("duration", Secs(*d));
  if (auto e = Num(At(r, "elapsed_s"))) add("elapsed", Secs(*e));
  add("operations", std::to_string(t.ops));
  return s.empty() ? s : "<p class=\"meta\">" + s + "</p>\n";
}

std::string TestSection(size_t index, const HtmlTest& test, Lang lang) {
  const json& r = test.result;
  std::string name = Str(At(r, "test"));
  if (name.empty()) name = Str(At(test.history.meta, "test"));
  Timeline t = BuildTimeline(test.history);
  std::string s = "<section class=\"test\" id=\"t-" + std::to_string(index) + "\">\n<h2>" +
                  Esc(Tr(lang, "Failover test report:")) + " " + Esc(name) + " <span class=\"verdict\">" +
                  Badge(lang, MarkOfExit(Int(At(r, "exit_code"), drill::kExitCannotJudge)), true) + "</span></h2>\n";
  s += MetaLine(test.history, t, r, lang);
  if (std::string err = Str(At(r, "error")); !err.empty())
    s += "<div class=\"err\">" + Esc(Tr(lang, "Could not complete:")) + " " + Esc(err) + "</div>\n";
  if (test.history.truncated)
    s += "<div class=\"err\">" + Esc(Tr(lang, "The history file was cut short; the run may have ended early.")) +
         "</div>\n";
  s += "<h3>" + Esc(Tr(lang, "Key figures")) + "</h3>\n" + Figures(r, lang);
  s += "<h3>" + Esc(Tr(lang, "Timeline")) + "</h3>\n" + TimelineHtml(t, r, lang);
  s += "<h3>" + Esc(Tr(lang, "Faults")) + "</h3>\n" + Faults(t, test.history, lang);
  s += "<h3>" + Esc(Tr(lang, "Checks")) + "</h3>\n" + Checks(r, lang);
  return s + "</section>\n";
}

std::string Summary(const std::vector<HtmlTest>& tests, Lang lang) {
  std::string s = "<h2>" + Esc(Tr(lang, "Test summary")) + "</h2>\n<table><thead><tr>";
  struct Col {
    const char* name;
    bool num;
  };
  for (Col h : {Col{"Test", false},
                {"Verdict", false},
                {"Strict RTO", true},
                {"Seed RTO", true},
                {"Failed requests", true},
                {"Availability", true},
                {"Grade", false},
                {"Lost writes", true}})
    s += std::string(h.num ? "<th class=\"num\">" : "<th>") + Esc(Tr(lang, h.name)) + "</th>";
  s += "</tr></thead><tbody>";
  for (size_t i = 0; i < tests.size(); ++i) {
    const json& r = tests[i].result;
    std::string name = Str(At(r, "test"));
    if (name.empty()) name = Str(At(tests[i].history.meta, "test"));
    Totals t = Sum(r);
    const json& request = At(At(r, "availability"), "request");
    double pct = Num(At(request, "pct")).value_or(0);
    bool judgeable = Bool(At(request, "judgeable"));
    const json& c = At(r, "consistency");
    s += "<tr>" + Td("<a href=\"#t-" + std::to_string(i) + "\">" + Esc(name) + "</a>") +
         Td(Badge(lang, MarkOfExit(Int(At(r, "exit_code"), drill::kExitCannotJudge)), true)) +
         Td(Esc(StrictRtoText(r, lang)), "num") + Td(Esc(SeedRtoText(r, lang)), "num") +
         Td(std::to_string(t.bad) + " / " + std::to_string(t.ops), "num") +
         Td(judgeable ? Fixed(pct, 4) + " %" : "N/A", "num") +
         Td(judgeable ? Esc(GradeText(lang, drill::GradeFor(pct))) : "") +
         Td(Bool(At(c, "judgeable")) ? std::to_string(Int(At(c, "lost_count"))) : Esc(Tr(lang, "not judged")), "num") +
         "</tr>";
  }
  return s + "</tbody></table>\n";
}

// The configuration as key/value rows; nested objects become dotted keys.
void Flatten(const json& j, const std::string& prefix, std::string* rows) {
  if (j.is_object() && !j.empty()) {
    for (const auto& [k, v] : j.items()) Flatten(v, prefix.empty() ? k : prefix + "." + k, rows);
    return;
  }
  std::string value = j.is_string() ? j.get<std::string>() : Dump(j);
  *rows += "<tr>" + Td("<code>" + Esc(prefix) + "</code>") + Td(Esc(value)) + "</tr>";
}

std::string Config(const json& config, Lang lang) {
  std::string s = "<h2>" + Esc(Tr(lang, "Run configuration")) + "</h2>\n";
  if (config.is_null() || (config.is_object() && config.empty()))
    return s + "<p class=\"muted\">" + Esc(Tr(lang, "No configuration was recorded.")) + "</p>\n";
  std::string rows;
  Flatten(config, "", &rows);
  return s + "<table><thead><tr><th>" + Esc(Tr(lang, "Setting")) + "</th><th>" + Esc(Tr(lang, "Value")) +
         "</th></tr></thead><tbody>" + rows + "</tbody></table>\n";
}

std::string StartedAt(const std::vector<HtmlTest>& tests) {
  for (const auto& t : tests) {
    int64_t ms = Int(At(t.history.meta, "unix_ms"), -1);
    if (ms < 0) continue;
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    if (gmtime_r(&secs, &tm) == nullptr) continue;
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
  }
  return "";
}

std::string Render(const std::vector<HtmlTest>& tests, const HtmlOptions& o) {
  Lang lang = o.lang;
  std::string title = Tr(lang, o.title.c_str());
  std::string s = PageStart(lang, title);
  s += "<header><h1>" + Esc(title) + "</h1>\n<p class=\"meta\">";
  std::string started = StartedAt(tests);
  if (!started.empty()) s += Esc(Tr(lang, "Run started")) + " " + Esc(started) + " · ";
  s += Esc(Tr(lang, "tests:")) + " " + std::to_string(tests.size()) + "</p></header>\n";
  s += Summary(tests, lang);
  for (size_t i = 0; i < tests.size(); ++i) s += TestSection(i, tests[i], lang);
  s += Config(o.config, lang);
  s += "<footer>" +
       Esc(Tr(lang, "How to read this report: docs/report.md; every figure is defined in docs/drill.md.")) +
       "</footer>\n";
  return s + PageEnd();
}

}  // namespace

std::string RenderHtml(const std::vector<HtmlTest>& tests, const HtmlOptions& options) {
  // Rendering only reads; the one failure left is memory. A report must never take
  // the run down with it, so say what happened in a page instead.
  try {
    return Render(tests, options);
  } catch (const std::exception& e) {
    return PageStart(options.lang, "milvus-drill") + "<p>cannot render the report: " + Esc(e.what()) + "</p>\n" +
           PageEnd();
  }
}

}  // namespace mdrill::report
