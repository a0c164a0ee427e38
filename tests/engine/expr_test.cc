#include "engine/expr.h"

#include <gtest/gtest.h>

#include "engine/test_data.h"

namespace mdrill::engine {
namespace {

using testing::MakeBatch;
using testing::MakeSchema;
using testing::RandomVectors;

// Number of rows of a 300-row batch matching `text`.
int Matches(const std::string& text) {
  CollectionSchema s = MakeSchema(4);
  Batch b = MakeBatch(s, 300, 0, RandomVectors(300, 4, 1));
  std::unique_ptr<Expr> e;
  Status st = ParseExpr(text, s, &e);
  EXPECT_TRUE(st.ok()) << text << ": " << st.ToString();
  if (!e) return 300;
  int n = 0;
  for (size_t r = 0; r < b.rows; ++r) n += e->Eval(b.columns, r) ? 1 : 0;
  return n;
}

TEST(Expr, Comparisons) {
  EXPECT_EQ(Matches("id < 10"), 10);
  EXPECT_EQ(Matches("id <= 10"), 11);
  EXPECT_EQ(Matches("id >= 290"), 10);
  EXPECT_EQ(Matches("id > 289"), 10);
  EXPECT_EQ(Matches("id == 7"), 1);
  EXPECT_EQ(Matches("id != 7"), 299);
  EXPECT_EQ(Matches("10 > id"), 10);
  EXPECT_EQ(Matches("score >= 29.5"), 5);  // 295..299
  EXPECT_EQ(Matches("age == 5"), 3);
  EXPECT_EQ(Matches("  "), 300);
}

TEST(Expr, InListsStringsBooleans) {
  EXPECT_EQ(Matches("id in [1, 2, 3, 1000]"), 3);
  EXPECT_EQ(Matches("id not in [1, 2, 3]"), 297);
  EXPECT_EQ(Matches("tag == \"t1\""), 100);
  EXPECT_EQ(Matches("tag in ['t0', 't2']"), 200);
  EXPECT_EQ(Matches("flag"), 150);
  EXPECT_EQ(Matches("flag == TRUE"), 150);
  EXPECT_EQ(Matches("flag == False"), 150);
}

TEST(Expr, LogicAndPrecedence) {
  EXPECT_EQ(Matches("id < 10 and age < 5"), 5);
  EXPECT_EQ(Matches("id < 10 && age < 5"), 5);
  EXPECT_EQ(Matches("id < 5 or id > 294"), 10);
  EXPECT_EQ(Matches("id < 5 || id > 294"), 10);
  EXPECT_EQ(Matches("not id < 10"), 290);
  EXPECT_EQ(Matches("!(id < 10)"), 290);
  // and binds tighter than or
  EXPECT_EQ(Matches("id < 5 or id > 294 and tag == 't0'"), 5 + 1);
  EXPECT_EQ(Matches("(id < 5 or id > 294) and tag == 't0'"), 2 + 1);
  EXPECT_EQ(Matches("10 <= id < 20"), 10);
  EXPECT_EQ(Matches("id > -1 AND id < 3"), 3);
}

TEST(Expr, ErrorsAreClear) {
  CollectionSchema s = MakeSchema(4);
  std::unique_ptr<Expr> e;
  struct Case {
    const char* text;
    const char* needle;
  } cases[] = {
      {"nope > 1", "field nope not exist"},
      {"vec > 1", "vector field"},
      {"tag > 1", "cannot compare"},
      {"id < ", "expected a literal"},
      {"id < 1 and", "expected a literal"},
      {"(id < 1", "missing ')'"},
      {"id in 1", "expected '['"},
      {"id in [1, 'a']", "cannot compare"},
      {"id @ 3", "unexpected character"},
      {"tag == 'open", "unterminated string"},
      {"id < 1 id", "unexpected"},
      {"1 < 2", "needs a field"},
      {"id == 99999999999999999999", "invalid integer"},
  };
  for (const auto& c : cases) {
    Status st = ParseExpr(c.text, s, &e);
    EXPECT_FALSE(st.ok()) << c.text;
    EXPECT_EQ(st.code(), code::kParameterInvalid) << c.text;
    EXPECT_NE(st.reason().find(c.needle), std::string::npos) << c.text << " -> " << st.reason();
  }
}

std::string Repeat(const std::string& piece, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += piece;
  return out;
}

// Nesting beyond kMaxExprDepth is refused with a message naming the limit (it used
// to overflow the stack: 100000 parentheses or "not"s crashed the server).
TEST(Expr, DeepNestingIsRefusedNotACrash) {
  CollectionSchema s = MakeSchema(4);
  for (const std::string& text : {Repeat("(", 100000) + "id > 0" + Repeat(")", 100000),
                                  Repeat("not ", 100000) + "id > 0", Repeat("!(", 100000) + "id > 0"}) {
    std::unique_ptr<Expr> e;
    Status st = ParseExpr(text, s, &e);
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(st.code(), code::kParameterInvalid);
    EXPECT_NE(st.reason().find("nested deeper than " + std::to_string(kMaxExprDepth)), std::string::npos)
        << st.reason().substr(0, 200);
  }
  // Up to the limit it parses and evaluates as written.
  EXPECT_EQ(Matches(Repeat("(", kMaxExprDepth) + "id < 10" + Repeat(")", kMaxExprDepth)), 10);
  EXPECT_EQ(Matches(Repeat("not ", kMaxExprDepth) + "id < 10"), 10);  // an even number of nots
  EXPECT_EQ(Matches(Repeat("not ", kMaxExprDepth - 1) + "id < 10"), 290);
}

// A long flat chain is not nesting: 50000 terms of "or" parse, evaluate and are
// destroyed without deep recursion.
TEST(Expr, LongChainsAreFlat) {
  std::string ors = "id == 0";
  for (int i = 1; i < 50000; ++i) ors += " or id == " + std::to_string(i % 300 == 5 ? 5 : 100000 + i);
  EXPECT_EQ(Matches(ors), 2);  // ids 0 and 5
  std::string ands = "id >= 0";
  for (int i = 0; i < 50000; ++i) ands += " and id < " + std::to_string(20 + i);
  EXPECT_EQ(Matches(ands), 20);
}

TEST(Expr, ExtractPrimaryKeys) {
  CollectionSchema s = MakeSchema(4);
  std::vector<Value> keys;
  ASSERT_TRUE(ExtractPrimaryKeys("id in [3, -4, 5]", s, &keys));
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(std::get<int64_t>(keys[1]), -4);
  ASSERT_TRUE(ExtractPrimaryKeys("id == 9", s, &keys));
  EXPECT_EQ(std::get<int64_t>(keys[0]), 9);
  EXPECT_FALSE(ExtractPrimaryKeys("id in [1] and age > 3", s, &keys));
  EXPECT_FALSE(ExtractPrimaryKeys("age in [1]", s, &keys));
  EXPECT_FALSE(ExtractPrimaryKeys("id in ['a']", s, &keys));
}

}  // namespace
}  // namespace mdrill::engine
