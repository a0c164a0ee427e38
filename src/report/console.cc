#include "report/console.h"

#include <cmath>

namespace mdrill::report {

using namespace mdrill::drill;

namespace {

// Every line goes through Tr: the English format string is the key of its Chinese
// (i18n.cc), both with the same printf directives in the same order.
class Printer {
 public:
  Printer(std::FILE* out, Lang lang) : out_(out), lang_(lang) {}
  const char* T(const char* en) const { return Tr(lang_, en); }
  template <typename... A>
  void F(const char* en, A... args) const {
    std::fprintf(out_, T(en), args...);
  }
  void S(const char* en) const { std::fputs(T(en), out_); }
  std::string Seconds(const std::optional<int64_t>& us) const {
    if (!us) return "N/A";
    char buf[48];
    std::snprintf(buf, sizeof buf, T("%.2f s"), *us / 1e6);
    return buf;
  }
  // "3.004 ± 0.005 s": an RTO with its uncertainty, to the millisecond.
  std::string SecondsPm(const std::optional<int64_t>& us, int64_t uncertainty_us) const {
    if (!us) return "N/A";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f \u00b1 %.3f s", *us / 1e6, uncertainty_us / 1e6);
    return buf;
  }
  Lang lang() const { return lang_; }

 private:
  std::FILE* out_;
  Lang lang_;
};

std::string Ms(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f ms", us / 1e3);
  return buf;
}

// A definition is fixed text, sometimes followed by "; " and a qualifier ("never
// recovered"); each part is translated on its own, so a part built from measured
// values stays as it is.
std::string Definition(const Printer& p, const std::string& text) {
  std::string out;
  size_t from = 0;
  while (from <= text.size()) {
    size_t to = text.find("; ", from);
    if (to == std::string::npos) to = text.size();
    if (!out.empty()) out += p.lang() == Lang::kZh ? "；" : "; ";
    out += p.T(text.substr(from, to - from).c_str());
    from = to + 2;
  }
  return out;
}

const char* Verdict(const Printer& p, int exit_code) {
  return p.T(exit_code == kExitPass ? "PASS" : exit_code == kExitFail ? "FAIL" : "COULD NOT JUDGE");
}

void PrintWritesAndRecall(Printer& p, const Judgement& j) {
  const auto& c = j.consistency;
  if (c.judgeable) {
    p.F("\n  writes: %lld inserts (%lld ok, %lld failed, %lld unknown), %lld rows acknowledged, "
        "lost %zu, duplicated %zu; unknown rows found %lld / not found %lld\n",
        static_cast<long long>(c.insert_ops), static_cast<long long>(c.ok_inserts),
        static_cast<long long>(c.failed_inserts), static_cast<long long>(c.unknown_inserts),
        static_cast<long long>(c.acknowledged), c.lost.size(), c.duplicated.size(),
        static_cast<long long>(c.unknown_found), static_cast<long long>(c.unknown_not_found));
    if (c.rpo_us) p.F("  RPO: %s\n", p.Seconds(c.rpo_us).c_str());
  } else {
    p.F("\n  writes: not judged (%s)\n", c.why_not.c_str());
  }
  p.F("  split-brain signals: %lld (ids acknowledged twice %zu, timestamps going backwards %lld)\n",
      static_cast<long long>(j.split_brain.signals()), j.split_brain.ids_acknowledged_twice.size(),
      static_cast<long long>(j.split_brain.ts_violation_count));
  auto recall = [&](int phase) {
    const auto& r = j.recall.by_phase[phase];
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", r.mean);
    return r.count > 0 ? std::string(buf) : std::string("n/a");
  };
  p.F("  recall@10: before %s, during %s, after %s (mean over searches; exact ground truth)\n", recall(0).c_str(),
      recall(1).c_str(), recall(2).c_str());
}

// The service's outage and, beside it, what an application's client saw.
void PrintBothViews(Printer& p, const Judgement& j) {
  auto text = [&](const StrictRtoResult& r) {
    return r.never_recovered ? std::string(p.T("never recovered")) : p.SecondsPm(r.rto_us, r.uncertainty_us);
  };
  if (!j.strict_rto.fault_start_us) return;
  p.F("  service RTO: %s (strict)", text(j.strict_rto).c_str());
  if (!j.client_rto.by_kind.empty())
    p.F("; %s %s", p.T("a client with the SDKs' default reconnect saw"), text(j.client_rto).c_str());
  if (j.strict_rto.by_fault.size() < 2) return;
  p.F("\n  outages (strict RTO of each, from its fault's injection; slowest kind):");
  for (const FaultRto& f : j.strict_rto.by_fault) {
    const std::string rto = f.never_recovered ? p.T("never recovered") : p.SecondsPm(f.rto_us, f.uncertainty_us);
    p.F("\n    t=%.1fs  %s  %s", static_cast<double>(f.fault_start_us) / 1e6, rto.c_str(), f.kind.c_str());
    if (f.faults > 1) p.F(" (%d faults before recovery)", f.faults);
    if (f.restart) p.F(" (%s)", p.T("a restart of the whole target"));
  }
}

void PrintChecks(Printer& p, std::FILE* out, const Judgement& j, Lang lang) {
  p.S("\n  checks:\n");
  for (const auto& ch : j.checks) {
    std::string measured = "n/a";
    if (ch.measured) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3f", *ch.measured);
      measured = buf;
      if (ch.uncertainty) {
        std::snprintf(buf, sizeof buf, " \u00b1 %.3f", *ch.uncertainty);
        measured += buf;
      }
    }
    std::fprintf(out, "    %-4s  %-40s %s %-10s %s %.3f\n", ch.judged ? p.T(ch.pass ? "PASS" : "FAIL") : "N/J",
                 lang == Lang::kZh ? ch.title_zh.c_str() : ch.name.c_str(), p.T("measured"), measured.c_str(),
                 ch.comparison.c_str(), ch.threshold);
    std::fprintf(out, "          %s\n", Definition(p, ch.definition).c_str());
  }
}

}  // namespace

void PrintJudgement(std::FILE* out, const Judgement& j, Lang lang) {
  Printer p(out, lang);
  // The seed's figures, for its search workload.
  OutcomeCounts searches;
  for (const auto& ph : j.phases.phases) {
    auto it = ph.by_kind.find(kKindSearch);
    if (it == ph.by_kind.end()) continue;
    searches.count += it->second.count;
    searches.ok += it->second.ok;
    searches.fail += it->second.fail;
    searches.unknown += it->second.unknown;
  }
  auto lat = j.latency.by_kind.count(kKindSearch) ? j.latency.by_kind.at(kKindSearch) : KindLatency{};
  p.F("  total searches: %lld\n  succeeded: %lld\n  failed: %lld\n", static_cast<long long>(searches.count),
      static_cast<long long>(searches.ok), static_cast<long long>(searches.bad()));
  p.F("  success rate: %.2f%%\n", searches.count ? 100.0 * searches.ok / searches.count : 0.0);
  p.F("  mean latency: %s (raw, as the seed measured it)\n", Ms(static_cast<int64_t>(lat.raw.mean_us)).c_str());
  p.F("  RTO: %s (seed definition)\n", p.Seconds(j.seed_rto.rto_us).c_str());

  PrintBothViews(p, j);

  p.S("\n  success rate by phase (all kinds):");
  for (int ph = 0; ph < 3; ++ph) {
    const auto& c = j.phases.phases[ph].all;
    if (c.count > 0)
      p.F(" %s %.2f%% (%lld ops)", p.T(PhaseName(static_cast<Phase>(ph))), 100.0 * c.ok / c.count,
          static_cast<long long>(c.count));
  }
  p.S("\n\n  RTO per operation kind:\n");
  for (const auto& [kind, r] : j.seed_rto.by_kind) {
    auto strict = j.strict_rto.by_kind.count(kind) ? j.strict_rto.by_kind.at(kind) : StrictRto{};
    p.F("    %-8s strict %-19s seed %-19s outages %zu\n", kind.c_str(),
        strict.never_recovered ? p.T("never") : p.SecondsPm(strict.rto_us, strict.uncertainty_us).c_str(),
        p.SecondsPm(r.rto_us, r.uncertainty_us).c_str(), r.outages.size());
  }
  p.F("    strict: %s\n    seed: %s\n", Definition(p, j.strict_rto.definition).c_str(),
      Definition(p, j.seed_rto.definition).c_str());

  p.S("\n  latency (ok operations)       p50        p90        p99        max\n");
  for (const auto& [kind, l] : j.latency.by_kind) {
    for (int corrected = 1; corrected >= 0; --corrected) {
      const auto& s = corrected ? l.corrected : l.raw;
      std::fprintf(out, "    %-8s %-10s %10s %10s %10s %10s\n", kind.c_str(), p.T(corrected ? "corrected" : "raw"),
                   Ms(s.p50_us).c_str(), Ms(s.p90_us).c_str(), Ms(s.p99_us).c_str(), Ms(s.max_us).c_str());
    }
  }
  p.S("    corrected = from the intended start (coordinated omission accounted for); raw = from the call\n");

  const auto& a = j.availability;
  p.F("\n  availability: requests %.4f%% (%lld/%lld, %s), time %.4f%% (%s)\n", a.request.pct,
      static_cast<long long>(a.request.good), static_cast<long long>(a.request.total), GradeText(lang, a.request.grade),
      a.time.pct, GradeText(lang, a.time.grade));
  p.F("    nines %.2f, projected downtime %.1f min/year\n", a.request.nines, a.request.downtime_min_per_year);
  p.F("  failed requests: %lld (%lld while a fault impaired the service, %lld that no fault explains)\n",
      static_cast<long long>(j.failures.total), static_cast<long long>(j.failures.explained),
      static_cast<long long>(j.failures.unexplained));
  if (j.failures.slow_unexplained > 0)
    p.F("  slow answers that no fault explains: %lld (over their kind's latency bound; reported, not judged)\n",
        static_cast<long long>(j.failures.slow_unexplained));

  PrintWritesAndRecall(p, j);
  PrintChecks(p, out, j, lang);
  for (const auto& why : j.cannot_judge) p.F("    could not judge: %s\n", why.c_str());
  p.F("  verdict: %s\n", Verdict(p, j.exit_code));
}

void PrintTest(std::FILE* out, const TestResult& r, Lang lang) {
  Printer p(out, lang);
  std::fputs("\n============================================================\n", out);
  p.F("Failover test report: %s\n", r.test.c_str());
  std::fputs("============================================================\n", out);
  if (!r.error.empty()) p.F("  could not complete: %s\n", r.error.c_str());
  for (const auto& f : r.faults) p.F("  fault: %s\n", f.c_str());
  if (r.active_before && r.active_after)
    p.F("  active coordinator: %s -> %s\n", r.active_before->c_str(),
        r.active_after->empty() ? p.T("(none)") : r.active_after->c_str());
  if (r.history_path.empty()) return;
  PrintJudgement(out, r.judgement, lang);
  if (!r.error.empty()) p.F("  test verdict: COULD NOT JUDGE (%s)\n", r.error.c_str());
  p.F("  elapsed: %.2f s\n", r.elapsed_s);
  for (const auto& ch : r.judgement.checks) {
    if (!ch.judged) continue;
    if (ch.name == "rto") {
      if (ch.pass)
        p.F("  [ok] RTO (strict) met (< %.0f s)\n", ch.threshold);
      else
        p.F("  [x] RTO (strict) NOT met (>= %.0f s)\n", ch.threshold);
    }
    if (ch.name == "failed_requests" && ch.comparison == "<=") {
      if (ch.pass)
        p.F("  [ok] no failed request that no fault explains (%.0f)\n", ch.measured.value_or(0));
      else
        p.F("  [x] failed requests that no fault explains: %.0f\n", ch.measured.value_or(0));
    } else if (ch.name == "failed_requests") {
      if (ch.pass)
        p.F("  [ok] failed requests met (< %.0f)\n", ch.threshold);
      else
        p.F("  [x] failed requests NOT met (>= %.0f)\n", ch.threshold);
    }
  }
  p.F("  history: %s\n  result:  %s\n", r.history_path.c_str(), r.result_path.c_str());
}

void PrintAnalysis(std::FILE* out, const std::vector<double>& rtos_s, int64_t total, int64_t ok, Lang lang) {
  Printer p(out, lang);
  auto ra = RtoAnalysis(rtos_s);
  p.S("\n=== RTO analysis ===\n");
  if (ra.count == 0) {
    p.S("no RTO data (nothing failed)\n");
  } else {
    p.F("mean RTO: %.2f s\nmin RTO: %.2f s\nmax RTO: %.2f s\nmedian RTO: %.2f s\n", ra.mean_s, ra.min_s, ra.max_s,
        ra.median_s);
    p.S("\nRTO distribution:\n");
    for (const auto& b : ra.buckets) {
      std::string hi = b.hi_s ? std::to_string(static_cast<int>(*b.hi_s)) : "inf";
      p.F("  %.0f-%s s: %lld (%.1f%%)\n", b.lo_s, hi.c_str(), static_cast<long long>(b.count), b.percent);
    }
  }
  auto aa = AvailabilityAnalysis(total, ok);
  p.S("\n=== Availability analysis ===\n");
  p.F("total searches: %lld\nsucceeded: %lld\nfailed: %lld\navailability: %.4f%%\n", static_cast<long long>(aa.total),
      static_cast<long long>(aa.ok), static_cast<long long>(aa.failed), aa.availability_pct);
  p.F("projected yearly downtime: %.2f minutes (%.2f hours)\n", aa.downtime_min_per_year, aa.downtime_hours_per_year);
  p.F("grade: %s\n", GradeText(lang, aa.grade));
}

void PrintSuite(std::FILE* out, const std::vector<TestResult>& results, Lang lang) {
  Printer p(out, lang);
  std::fputs("\n============================================================\n", out);
  p.S("Test summary\n");
  std::fputs("============================================================\n", out);
  std::vector<double> rtos;
  int64_t total = 0, ok = 0;
  for (const auto& r : results) {
    std::fprintf(out, "  %-20s %s%s\n", r.test.c_str(), Verdict(p, r.exit_code),
                 r.error.empty() ? "" : ("  (" + r.error + ")").c_str());
    if (r.judgement.seed_rto.rto_us) rtos.push_back(*r.judgement.seed_rto.rto_us / 1e6);
    for (const auto& ph : r.judgement.phases.phases) {
      auto it = ph.by_kind.find(kKindSearch);
      if (it == ph.by_kind.end()) continue;
      total += it->second.count;
      ok += it->second.ok;
    }
  }
  PrintAnalysis(out, rtos, total, ok, lang);
}

}  // namespace mdrill::report
