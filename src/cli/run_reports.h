// The reports a finished `run` writes besides the console's: a JSON file, JUnit XML,
// the HTML report, and the run appended to the history database
// (report/history_store.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/run_flags.h"
#include "drill/run/runner.h"
#include "report/i18n.h"

namespace mdrill::cli {

// Writes each report the flags ask for (--json, --junit, --html; the history unless
// --no-history or no test ran). `all` holds every test's JSON result, in the order of
// `results`. Prints where the run was recorded. False, with the reason on stderr,
// when one could not be written; the others are written anyway.
bool WriteReports(const RunFlags& f, const drill::RunOptions& o, report::Lang lang, int64_t started_ms, int exit_code,
                  const std::vector<drill::TestResult>& results, const nlohmann::json& all);

}  // namespace mdrill::cli
