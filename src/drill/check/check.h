// A check: one measured figure of a run held against a threshold. Each check is a
// unit: a rule (a pure function of the history and the figures the checkers
// measured) in a file of its own under drill/check/, which registers itself and
// says everything a report needs to show it (name, title in each language, unit,
// precision, comparison, definition). Reports render any check from these fields
// alone, so adding a check touches its own file and its test, nothing else.
//
// Thread-safe: rules are registered during static initialisation and only read
// afterwards; rules share no state.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "drill/history/history.h"

namespace mdrill::drill {

struct CheckOptions;
struct Judgement;

// How a check's figures read: "3.00 s", "99.9000 %", "0.953", "2".
struct CheckUnit {
  std::string symbol;  // printed after the figure ("s", "%"); empty for counts and ratios
  int decimals = 0;    // 0: a count, printed as an integer when it is one
};
inline const CheckUnit kSeconds{"s", 2};
inline const CheckUnit kPercent{"%", 4};
inline const CheckUnit kCount{"", 0};
inline const CheckUnit kRatio{"", 3};

struct Check {
  std::string name;      // stable identifier: "rto", "lost_writes", ...
  std::string title;     // for people, English: "Lost writes"
  std::string title_zh;  // the same in Chinese
  CheckUnit unit = kCount;
  std::optional<double> measured;     // none: nothing to measure (e.g. never recovered, no data)
  std::optional<double> uncertainty;  // measured is the true value +- this (same unit), when known
  double threshold = 0;
  std::string comparison;  // how measured is held against threshold: "<", "<=", ">="
  bool judged = false;     // false: could not be judged (see definition)
  bool pass = false;
  std::string definition;
};

// A check named `name` comparing `measured` with `threshold`; judged (and pass
// set) when measured has a value.
Check MakeCheck(std::string name, std::optional<double> measured, double threshold, std::string comparison,
                std::string definition);
// The same check's presentation: title, Chinese title, unit. Returns `c`.
Check Titled(Check c, std::string title, std::string title_zh, CheckUnit unit);

// `value` in `unit`: "3.00 s", "99.9000 %", "0.953", "2".
std::string FormatFigure(double value, const CheckUnit& unit);
// The measured figure with its uncertainty when it has one ("3.004 \u00b1 0.005 s"),
// or "n/a".
std::string FormatMeasured(const Check& check);

// A check as written in a result file; checks of files written before titles and
// units were recorded read with their name as title and a plain figure.
nlohmann::json ToJson(const Check& check);
Check CheckFromJson(const nlohmann::json& j);
// The title in the report's language ("zh" or anything else for English): a
// reference into `check`, valid while it lives.
const std::string& TitleIn(const Check& check, const std::string& lang);

// What a rule sees: the history, the options, and every figure the checkers
// measured (judgement.checks is not filled yet).
struct CheckInput {
  const History& history;
  const CheckOptions& options;
  const Judgement& figures;
};
// A rule returns its checks (none when it does not apply to this run).
using CheckRule = std::vector<Check> (*)(const CheckInput&);

// Registers `rule` at static initialisation; `order` places its checks in every
// report (lower first). Use at namespace scope in the rule's file:
//   const RegisterCheck kRegistered(30, &MyRule);
struct RegisterCheck {
  RegisterCheck(int order, CheckRule rule);
};

// Every registered rule in order, and the checks they return.
std::vector<Check> RunCheckRules(const CheckInput& input);

}  // namespace mdrill::drill
