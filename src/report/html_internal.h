// Pieces shared by the HTML run report (html.cc, html_timeline.cc) and the trend
// page (html_trend.cc): escaping, number formatting, safe JSON access, the page
// frame with its inline style sheet. Internal to src/report.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "report/i18n.h"
#include "report/timeline.h"

namespace mdrill::report::html {

// Text for HTML content and attribute values: & < > " ' become entities.
std::string Esc(std::string_view text);

// printf-style "%.*f".
std::string Fixed(double v, int decimals);
// Seconds with two decimals and the unit: "3.00 s".
std::string Secs(double s);
// An RTO from its result JSON ({"rto_us", "uncertainty_us"}): "2.370 ± 0.007 s"
// when it carries an uncertainty, else Secs; empty when there is no rto_us.
std::string RtoSecs(const nlohmann::json& rto);
// Microseconds as a latency: "850 µs", "12.3 ms", "2.09 s".
std::string Latency(int64_t us);

// Safe reads of the result JSON, which may lack fields (a test that could not
// start) or carry other types: never throw, fall back instead.
const nlohmann::json& At(const nlohmann::json& j, const char* key);
std::optional<double> Num(const nlohmann::json& j);
int64_t Int(const nlohmann::json& j, int64_t fallback = 0);
std::string Str(const nlohmann::json& j);
bool Bool(const nlohmann::json& j, bool fallback = false);
// Compact JSON text, invalid UTF-8 replaced (dump() would throw on it).
std::string Dump(const nlohmann::json& j);

// <!DOCTYPE html> ... <body>, with the style sheet; and the closing tags.
std::string PageStart(Lang lang, const std::string& title);
std::string PageEnd();

// A coloured PASS / FAIL badge; kNotJudged reads "COULD NOT JUDGE" for a test's
// verdict (`verdict`) and "not judged" for one check.
enum class Mark { kPass, kFail, kNotJudged };
std::string Badge(Lang lang, Mark mark, bool verdict);

// The colour of an op kind in every chart (the same kind always the same colour).
const char* KindColor(const std::string& kind);

// The timeline of one test as SVG panels with their legend: throughput,
// failures, corrected p99 and recall, the fault windows and RTO marks on each.
// `result` is the test's result JSON (RTO, thresholds).
std::string TimelineHtml(const Timeline& timeline, const nlohmann::json& result, Lang lang);

}  // namespace mdrill::report::html
