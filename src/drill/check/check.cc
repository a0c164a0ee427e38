#include "drill/check/check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace mdrill::drill {

namespace {

std::vector<std::pair<int, CheckRule>>& Rules() {
  static std::vector<std::pair<int, CheckRule>> rules;
  return rules;
}

}  // namespace

Check MakeCheck(std::string name, std::optional<double> measured, double threshold, std::string comparison,
                std::string definition) {
  Check c;
  c.name = std::move(name);
  c.title = c.name;
  c.title_zh = c.name;
  c.measured = measured;
  c.threshold = threshold;
  c.comparison = std::move(comparison);
  c.definition = std::move(definition);
  if (measured) {
    c.judged = true;
    if (c.comparison == "<") c.pass = *measured < threshold;
    if (c.comparison == "<=") c.pass = *measured <= threshold;
    if (c.comparison == ">=") c.pass = *measured >= threshold;
  }
  return c;
}

Check Titled(Check c, std::string title, std::string title_zh, CheckUnit unit) {
  c.title = std::move(title);
  c.title_zh = std::move(title_zh);
  c.unit = std::move(unit);
  return c;
}

std::string FormatFigure(double value, const CheckUnit& unit) {
  char buf[64];
  if (unit.decimals == 0 && std::fabs(value) < 1e15 && value == std::trunc(value)) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(value));
  } else {
    std::snprintf(buf, sizeof buf, "%.*f", unit.decimals == 0 ? 3 : unit.decimals, value);
  }
  std::string s = buf;
  if (!unit.symbol.empty()) s += " " + unit.symbol;
  return s;
}

std::string FormatMeasured(const Check& c) {
  if (!c.measured) return "n/a";
  if (!c.uncertainty) return FormatFigure(*c.measured, c.unit);
  CheckUnit bare = c.unit;
  bare.symbol.clear();
  // "3.004 ± 0.005 s"
  std::string s = FormatFigure(*c.measured, bare) + " \u00b1 " + FormatFigure(*c.uncertainty, bare);
  return c.unit.symbol.empty() ? s : s + " " + c.unit.symbol;
}

nlohmann::json ToJson(const Check& c) {
  nlohmann::json measured = nullptr;
  if (c.measured) measured = *c.measured;
  nlohmann::json uncertainty = nullptr;
  if (c.uncertainty) uncertainty = *c.uncertainty;
  return {{"name", c.name},
          {"title", c.title},
          {"title_zh", c.title_zh},
          {"unit", c.unit.symbol},
          {"decimals", c.unit.decimals},
          {"measured", measured},
          {"uncertainty", uncertainty},
          {"threshold", c.threshold},
          {"comparison", c.comparison},
          {"judged", c.judged},
          {"pass", c.pass},
          {"definition", c.definition}};
}

Check CheckFromJson(const nlohmann::json& j) {
  Check c;
  if (!j.is_object()) return c;
  auto str = [&](const char* key, const std::string& fallback) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
  };
  c.name = str("name", "");
  c.title = str("title", c.name);
  c.title_zh = str("title_zh", c.title);
  c.unit.symbol = str("unit", "");
  auto dec = j.find("decimals");
  c.unit.decimals = dec != j.end() && dec->is_number_integer() ? std::clamp(dec->get<int>(), 0, 9) : 0;
  auto m = j.find("measured");
  if (m != j.end() && m->is_number()) c.measured = m->get<double>();
  auto u = j.find("uncertainty");
  if (u != j.end() && u->is_number()) c.uncertainty = u->get<double>();
  auto t = j.find("threshold");
  if (t != j.end() && t->is_number()) c.threshold = t->get<double>();
  c.comparison = str("comparison", "");
  c.judged = j.value("judged", false);
  c.pass = j.value("pass", false);
  c.definition = str("definition", "");
  return c;
}

const std::string& TitleIn(const Check& check, const std::string& lang) {
  return lang == "zh" && !check.title_zh.empty() ? check.title_zh : check.title;
}

RegisterCheck::RegisterCheck(int order, CheckRule rule) {
  auto& rules = Rules();
  rules.emplace_back(order, rule);
  std::stable_sort(rules.begin(), rules.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

std::vector<Check> RunCheckRules(const CheckInput& input) {
  std::vector<Check> checks;
  for (const auto& [order, rule] : Rules()) {
    auto more = rule(input);
    checks.insert(checks.end(), more.begin(), more.end());
  }
  return checks;
}

}  // namespace mdrill::drill
