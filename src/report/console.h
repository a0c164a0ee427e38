// The console report of a run, in English or Chinese (i18n.h): for each test, every figure the seed script printed
// (total, successes, failures, success rate, mean latency, RTO, elapsed time and its
// pass/fail lines), then what the seed did not measure (strict RTO, latency
// percentiles corrected for coordinated omission, availability, lost and duplicated
// writes, split-brain signals, recall, every check with its definition); and over
// the whole suite, the seed's RTO analysis and availability analysis.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "drill/run/runner.h"
#include "report/i18n.h"

namespace mdrill::report {

// Prints one test's report to `out`.
void PrintTest(std::FILE* out, const drill::TestResult& result, Lang lang = Lang::kEn);

// Prints the suite summary (the seed's "test summary", RTO analysis and
// availability analysis) over `results`.
void PrintSuite(std::FILE* out, const std::vector<drill::TestResult>& results, Lang lang = Lang::kEn);

// The seed's RTO analysis (mean, min, max, median, distribution) of `rtos_s` and its
// availability analysis of `ok` searches out of `total`: the end of PrintSuite, and
// what `milvus-drill analyze` prints over stored runs.
void PrintAnalysis(std::FILE* out, const std::vector<double>& rtos_s, int64_t total, int64_t ok, Lang lang = Lang::kEn);

// Prints a judgement alone (what `milvus-drill check` shows).
void PrintJudgement(std::FILE* out, const drill::Judgement& j, Lang lang = Lang::kEn);

}  // namespace mdrill::report
