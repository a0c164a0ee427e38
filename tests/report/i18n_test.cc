#include "report/i18n.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace mdrill::report {
namespace {

// The printf directives of a format string, in order ("%%" included: it must stay).
std::vector<std::string> Directives(const std::string& format) {
  std::vector<std::string> out;
  std::regex d(R"(%[-+#0]*[0-9]*(?:\.[0-9]+)?(?:ll|l|z|h)?[a-zA-Z%])");
  for (auto it = std::sregex_iterator(format.begin(), format.end(), d); it != std::sregex_iterator(); ++it)
    out.push_back(it->str());
  return out;
}

TEST(I18n, EnglishIsTheKeyAndChineseHasTheSeedsWords) {
  EXPECT_STREQ(Tr(Lang::kEn, "grade: %s\n"), "grade: %s\n");
  EXPECT_STREQ(Tr(Lang::kZh, "grade: %s\n"), "等级: %s\n");
  EXPECT_STREQ(Tr(Lang::kZh, "  [ok] RTO (strict) met (< %.0f s)\n"), "  ✅ RTO 达标（严格定义）(< %.0f 秒)\n");
  // A phrase with no entry comes back in English rather than blank.
  EXPECT_STREQ(Tr(Lang::kZh, "no such phrase"), "no such phrase");
  EXPECT_STREQ(GradeText(Lang::kZh, drill::Grade::kFourNines), "四个九（99.99%）");
  EXPECT_STREQ(GradeText(Lang::kEn, drill::Grade::kThreeNines), "three nines");
}

// A translation that dropped or reordered a directive would print garbage or crash.
TEST(I18n, EveryTranslationKeepsItsDirectivesInOrder) {
  std::set<std::string> keys;
  size_t n = 0;
  for (const Phrase* table : {ConsolePhrases(), HtmlPhrases()}) {
    for (const Phrase* p = table; p->en != nullptr; ++p, ++n) {
      ASSERT_NE(p->zh, nullptr) << p->en;
      EXPECT_TRUE(keys.insert(p->en).second) << "twice: " << p->en;
      EXPECT_EQ(Directives(p->en), Directives(p->zh)) << p->en << " / " << p->zh;
    }
  }
  EXPECT_GT(n, 60u);
}

TEST(I18n, ParseLang) {
  EXPECT_EQ(ParseLang("en"), Lang::kEn);
  EXPECT_EQ(ParseLang("zh"), Lang::kZh);
  EXPECT_EQ(ParseLang("zh-CN"), Lang::kZh);
  EXPECT_FALSE(ParseLang("fr").has_value());
  EXPECT_FALSE(ParseLang("").has_value());
  EXPECT_STREQ(LangCode(Lang::kZh), "zh");
}

}  // namespace
}  // namespace mdrill::report
