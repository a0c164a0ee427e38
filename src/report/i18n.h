// Language of the reports: English (the default) or Chinese with the seed script's
// vocabulary (RTO 达标, 失败请求数, 可用性, 四个九 ...).
//
// Phrases are keyed by their English text: Tr(kEn, s) is s, and Tr(kZh, s) is the
// Chinese entry of s, or s itself when the table has none (a missing entry shows in
// English rather than blank). Format strings keep their printf directives in both
// languages, in the same order. Thread-safe (read-only tables).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "drill/check/checkers.h"

namespace mdrill::report {

enum class Lang { kEn, kZh };

// "en" or "zh" (also "zh-CN", "zh_CN"); nullopt for anything else.
std::optional<Lang> ParseLang(std::string_view code);
const char* LangCode(Lang lang);  // "en", "zh"

// The phrase `en` in `lang` (see above). The result lives as long as the program.
const char* Tr(Lang lang, const char* en);

// The seed's grade names: "four nines" / 四个九 ...
const char* GradeText(Lang lang, drill::Grade grade);

struct Phrase {
  const char* en;
  const char* zh;
};
// The tables Tr consults, each ending with {nullptr, nullptr}: the console's
// (i18n.cc) and the HTML report's (i18n_html.cc). Exposed for the tests.
const Phrase* ConsolePhrases();
const Phrase* HtmlPhrases();

}  // namespace mdrill::report
