#include "report/console.h"

#include <cmath>

namespace mdrill::report {

using namespace mdrill::drill;

namespace {

std::string Seconds(const std::optional<int64_t>& us) {
  if (!us) return "N/A";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", *us / 1e6);
  return buf;
}

std::string Ms(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f ms", us / 1e3);
  return buf;
}

const char* Mark(bool pass) { return pass ? "PASS" : "FAIL"; }

}  // namespace

void PrintJudgement(std::FILE* out, const Judgement& j) {
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
  std::fprintf(out, "  total searches: %lld\n  succeeded: %lld\n  failed: %lld\n", static_cast<long long>(searches.count),
               static_cast<long long>(searches.ok), static_cast<long long>(searches.bad()));
  std::fprintf(out, "  success rate: %.2f%%\n", searches.count ? 100.0 * searches.ok / searches.count : 0.0);
  std::fprintf(out, "  mean latency: %s (raw, as the seed measured it)\n", Ms(static_cast<int64_t>(lat.raw.mean_us)).c_str());
  std::fprintf(out, "  RTO: %s (seed definition)\n", Seconds(j.seed_rto.rto_us).c_str());

  std::fprintf(out, "\n  success rate by phase (all kinds):");
  for (int p = 0; p < 3; ++p) {
    const auto& c = j.phases.phases[p].all;
    if (c.count > 0) std::fprintf(out, " %s %.2f%% (%lld ops)", PhaseName(static_cast<Phase>(p)), 100.0 * c.ok / c.count,
                                  static_cast<long long>(c.count));
  }
  std::fprintf(out, "\n\n  RTO per operation kind:\n");
  for (const auto& [kind, r] : j.seed_rto.by_kind) {
    auto strict = j.strict_rto.by_kind.count(kind) ? j.strict_rto.by_kind.at(kind) : StrictRto{};
    std::fprintf(out, "    %-8s seed %-10s strict %-10s outages %zu\n", kind.c_str(), Seconds(r.rto_us).c_str(),
                 strict.never_recovered ? "never" : Seconds(strict.rto_us).c_str(), r.outages.size());
  }
  std::fprintf(out, "    seed: %s\n    strict: %s\n", j.seed_rto.definition.c_str(), j.strict_rto.definition.c_str());

  std::fprintf(out, "\n  latency (ok operations)       p50        p90        p99        max\n");
  for (const auto& [kind, l] : j.latency.by_kind) {
    for (int corrected = 1; corrected >= 0; --corrected) {
      const auto& s = corrected ? l.corrected : l.raw;
      std::fprintf(out, "    %-8s %-10s %10s %10s %10s %10s\n", kind.c_str(), corrected ? "corrected" : "raw",
                   Ms(s.p50_us).c_str(), Ms(s.p90_us).c_str(), Ms(s.p99_us).c_str(), Ms(s.max_us).c_str());
    }
  }
  std::fprintf(out, "    corrected = from the intended start (coordinated omission accounted for); raw = from the call\n");

  const auto& a = j.availability;
  std::fprintf(out, "\n  availability: requests %.4f%% (%lld/%lld, %s), time %.4f%% (%s)\n", a.request.pct,
               static_cast<long long>(a.request.good), static_cast<long long>(a.request.total),
               GradeName(a.request.grade), a.time.pct, GradeName(a.time.grade));
  std::fprintf(out, "    nines %.2f, projected downtime %.1f min/year\n", a.request.nines, a.request.downtime_min_per_year);

  const auto& c = j.consistency;
  if (c.judgeable)
    std::fprintf(out,
                 "\n  writes: %lld inserts (%lld ok, %lld failed, %lld unknown), %lld rows acknowledged, "
                 "lost %zu, duplicated %zu; unknown rows found %lld / not found %lld%s\n",
                 static_cast<long long>(c.insert_ops), static_cast<long long>(c.ok_inserts),
                 static_cast<long long>(c.failed_inserts), static_cast<long long>(c.unknown_inserts),
                 static_cast<long long>(c.acknowledged), c.lost.size(), c.duplicated.size(),
                 static_cast<long long>(c.unknown_found), static_cast<long long>(c.unknown_not_found),
                 c.rpo_us ? (", RPO " + Seconds(c.rpo_us)).c_str() : "");
  else
    std::fprintf(out, "\n  writes: not judged (%s)\n", c.why_not.c_str());
  std::fprintf(out, "  split-brain signals: %lld (ids acknowledged twice %zu, timestamps going backwards %lld)\n",
               static_cast<long long>(j.split_brain.signals()), j.split_brain.ids_acknowledged_twice.size(),
               static_cast<long long>(j.split_brain.ts_violation_count));
  auto recall = [&](int phase) {
    const auto& r = j.recall.by_phase[phase];
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", r.mean);
    return r.count > 0 ? std::string(buf) : std::string("n/a");
  };
  std::fprintf(out, "  recall@10: before %s, during %s, after %s (mean over searches; exact ground truth)\n",
               recall(0).c_str(), recall(1).c_str(), recall(2).c_str());

  std::fprintf(out, "\n  checks:\n");
  for (const auto& ch : j.checks) {
    std::string measured = ch.measured ? std::to_string(*ch.measured) : "n/a";
    if (ch.measured) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3f", *ch.measured);
      measured = buf;
    }
    std::fprintf(out, "    %s  %-40s measured %-10s %s %.3f\n", ch.judged ? Mark(ch.pass) : "N/J ", ch.name.c_str(),
                 measured.c_str(), ch.comparison.c_str(), ch.threshold);
    std::fprintf(out, "          %s\n", ch.definition.c_str());
  }
  for (const auto& why : j.cannot_judge) std::fprintf(out, "    could not judge: %s\n", why.c_str());
  std::fprintf(out, "  verdict: %s\n", j.exit_code == kExitPass ? "PASS" : j.exit_code == kExitFail ? "FAIL" : "COULD NOT JUDGE");
}

void PrintTest(std::FILE* out, const TestResult& r) {
  std::fprintf(out, "\n============================================================\n");
  std::fprintf(out, "Failover test report: %s\n", r.test.c_str());
  std::fprintf(out, "============================================================\n");
  if (!r.error.empty()) std::fprintf(out, "  could not complete: %s\n", r.error.c_str());
  for (const auto& f : r.faults) std::fprintf(out, "  fault: %s\n", f.c_str());
  if (r.active_before && r.active_after)
    std::fprintf(out, "  active coordinator: %s -> %s\n", r.active_before->c_str(),
                 r.active_after->empty() ? "(none)" : r.active_after->c_str());
  if (r.history_path.empty()) return;
  PrintJudgement(out, r.judgement);
  if (!r.error.empty()) std::fprintf(out, "  test verdict: COULD NOT JUDGE (%s)\n", r.error.c_str());
  std::fprintf(out, "  elapsed: %.2f s\n", r.elapsed_s);
  const auto& th = r.judgement.checks;
  for (const auto& ch : th) {
    if (ch.name == "rto" && ch.judged)
      std::fprintf(out, "  %s RTO (strict) %s (< %.0f s)\n", ch.pass ? "[ok]" : "[x]", ch.pass ? "met" : "NOT met", ch.threshold);
    if (ch.name == "failed_requests" && ch.judged)
      std::fprintf(out, "  %s failed requests %s (< %.0f)\n", ch.pass ? "[ok]" : "[x]", ch.pass ? "met" : "NOT met",
                   ch.threshold);
  }
  std::fprintf(out, "  history: %s\n  result:  %s\n", r.history_path.c_str(), r.result_path.c_str());
}

void PrintSuite(std::FILE* out, const std::vector<TestResult>& results) {
  std::fprintf(out, "\n============================================================\nTest summary\n");
  std::fprintf(out, "============================================================\n");
  std::vector<double> rtos;
  int64_t total = 0, ok = 0;
  for (const auto& r : results) {
    const char* v = r.exit_code == kExitPass ? "PASS" : r.exit_code == kExitFail ? "FAIL" : "COULD NOT JUDGE";
    std::fprintf(out, "  %-20s %s%s\n", r.test.c_str(), v, r.error.empty() ? "" : ("  (" + r.error + ")").c_str());
    if (r.judgement.seed_rto.rto_us) rtos.push_back(*r.judgement.seed_rto.rto_us / 1e6);
    for (const auto& ph : r.judgement.phases.phases) {
      auto it = ph.by_kind.find(kKindSearch);
      if (it == ph.by_kind.end()) continue;
      total += it->second.count;
      ok += it->second.ok;
    }
  }
  auto ra = RtoAnalysis(rtos);
  std::fprintf(out, "\n=== RTO analysis ===\n");
  if (ra.count == 0) {
    std::fprintf(out, "no RTO data (nothing failed)\n");
  } else {
    std::fprintf(out, "mean RTO: %.2f s\nmin RTO: %.2f s\nmax RTO: %.2f s\nmedian RTO: %.2f s\n\nRTO distribution:\n",
                 ra.mean_s, ra.min_s, ra.max_s, ra.median_s);
    for (const auto& b : ra.buckets)
      std::fprintf(out, "  %.0f-%s s: %lld (%.1f%%)\n", b.lo_s, b.hi_s ? std::to_string(static_cast<int>(*b.hi_s)).c_str() : "inf",
                   static_cast<long long>(b.count), b.percent);
  }
  auto aa = AvailabilityAnalysis(total, ok);
  std::fprintf(out, "\n=== Availability analysis ===\n");
  std::fprintf(out, "total searches: %lld\nsucceeded: %lld\nfailed: %lld\navailability: %.4f%%\n",
               static_cast<long long>(aa.total), static_cast<long long>(aa.ok), static_cast<long long>(aa.failed),
               aa.availability_pct);
  std::fprintf(out, "projected yearly downtime: %.2f minutes (%.2f hours)\ngrade: %s\n", aa.downtime_min_per_year,
               aa.downtime_hours_per_year, GradeName(aa.grade));
}

}  // namespace mdrill::report
