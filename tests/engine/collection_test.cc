#include "engine/collection.h"

#include <gtest/gtest.h>

#include "engine/test_data.h"

namespace mdrill::engine {
namespace {

using testing::MakeBatch;
using testing::MakeSchema;
using testing::RandomVectors;

class CollectionTest : public ::testing::Test {
 protected:
  static constexpr int kDim = 16;
  CollectionTest() : coll_(1, MakeSchema(kDim), Options()) {}
  static CollectionOptions Options() {
    CollectionOptions o;
    o.segment_max_rows = 1500;
    o.min_rows_to_index = 100;
    return o;
  }
  void Fill(size_t n) {
    vecs_ = RandomVectors(n, kDim, 11);
    Batch b = MakeBatch(coll_.schema(), n, 0, vecs_);
    ASSERT_TRUE(coll_.ValidateInsert(b).ok());
    coll_.Insert(b, 100);
  }
  SearchArgs Args(size_t row, int topk) {
    SearchArgs a;
    a.queries.assign(vecs_.begin() + row * kDim, vecs_.begin() + (row + 1) * kDim);
    a.nq = 1;
    a.knobs.topk = topk;
    a.knobs.metric = Metric::kL2;
    a.knobs.nprobe = 16;
    return a;
  }
  Collection coll_;
  std::vector<float> vecs_;
};

TEST_F(CollectionTest, OwnVectorIsTopHitAtDistanceZero) {
  Fill(4000);  // two sealed segments and a growing one
  IndexSpec spec;
  ASSERT_TRUE(ParseIndexSpec({{"index_type", "IVF_FLAT"}, {"metric_type", "L2"}, {"nlist", "32"}}, &spec).ok());
  ASSERT_TRUE(coll_.SetIndex(spec).ok());
  EXPECT_GT(coll_.GetIndexProgress().pending_rows, 0);
  while (coll_.BuildPendingIndex()) {
  }
  IndexProgress p = coll_.GetIndexProgress();
  EXPECT_EQ(p.pending_rows, 0);
  EXPECT_EQ(p.total_rows, 4000);
  auto segs = coll_.Segments();
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_TRUE(segs[0].indexed);
  EXPECT_FALSE(segs[2].sealed);
  for (size_t row : {0u, 1777u, 3999u}) {
    SearchOutput out;
    ASSERT_TRUE(coll_.Search(Args(row, 5), &out).ok());
    ASSERT_EQ(out.topks[0], 5);
    EXPECT_EQ(out.ids.ints[0], static_cast<int64_t>(row));
    EXPECT_FLOAT_EQ(out.scores[0], 0.0f);
    for (int j = 1; j < 5; ++j) EXPECT_LE(out.scores[j - 1], out.scores[j]);
  }
}

TEST_F(CollectionTest, FilterAndOutputFields) {
  Fill(300);
  IndexSpec spec;
  ASSERT_TRUE(ParseIndexSpec({{"index_type", "FLAT"}, {"metric_type", "L2"}}, &spec).ok());
  ASSERT_TRUE(coll_.SetIndex(spec).ok());
  SearchArgs a = Args(3, 10);
  a.filter = "tag == 't1' and id < 100";
  a.output_fields = {"tag", "age"};
  SearchOutput out;
  ASSERT_TRUE(coll_.Search(a, &out).ok());
  ASSERT_EQ(out.topks[0], 10);
  ASSERT_EQ(out.output_fields.size(), 3u);  // pk always first
  for (int j = 0; j < 10; ++j) {
    EXPECT_EQ(out.ids.ints[j] % 3, 1);
    EXPECT_LT(out.ids.ints[j], 100);
    EXPECT_EQ(out.fields[2].strs[j], "t1");  // schema order: id, age, tag
    EXPECT_EQ(out.fields[1].ints[j], out.ids.ints[j] % 100);
  }
  a.output_fields = {"missing"};
  EXPECT_EQ(coll_.Search(a, &out).code(), code::kFieldNotFound);
}

TEST_F(CollectionTest, DeletesHideRowsEverywhere) {
  Fill(2000);
  std::vector<Value> keys;
  ASSERT_TRUE(coll_.MatchDelete("id in [5, 6, 1999, 123456]", &keys).ok());
  EXPECT_EQ(coll_.Delete(keys, 200), 3);
  ASSERT_TRUE(coll_.MatchDelete("age == 7", &keys).ok());
  EXPECT_EQ(keys.size(), 20u);
  EXPECT_EQ(coll_.Delete(keys, 201), 20);
  EXPECT_EQ(coll_.LiveRows(), 2000 - 23);
  QueryArgs q;
  q.output_fields = {"count(*)"};
  QueryOutput out;
  ASSERT_TRUE(coll_.Query(q, &out).ok());
  EXPECT_EQ(out.count, 2000 - 23);
  q.filter = "id in [4, 5, 6, 7, 8]";  // 7 went with age == 7
  q.output_fields = {"id"};
  ASSERT_TRUE(coll_.Query(q, &out).ok());
  EXPECT_EQ(out.fields[0].ints, (std::vector<int64_t>{4, 8}));
  IndexSpec spec;
  ASSERT_TRUE(ParseIndexSpec({{"index_type", "FLAT"}, {"metric_type", "L2"}}, &spec).ok());
  ASSERT_TRUE(coll_.SetIndex(spec).ok());
  while (coll_.BuildPendingIndex()) {
  }
  SearchOutput s;
  ASSERT_TRUE(coll_.Search(Args(5, 3), &s).ok());
  EXPECT_NE(s.ids.ints[0], 5);  // its own vector is gone
  // A row re-inserted after the delete is visible again (upsert semantics).
  Batch again = MakeBatch(coll_.schema(), 1, 5, std::vector<float>(vecs_.begin() + 5 * kDim, vecs_.begin() + 6 * kDim));
  coll_.Insert(again, 300);
  ASSERT_TRUE(coll_.Search(Args(5, 3), &s).ok());
  EXPECT_EQ(s.ids.ints[0], 5);
  EXPECT_FALSE(coll_.MatchDelete("", &keys).ok());
}

TEST_F(CollectionTest, QueryCountLimitOffsetAndErrors) {
  Fill(500);
  QueryOutput out;
  QueryArgs q;
  q.filter = "age < 10";
  q.output_fields = {"count(*)"};
  ASSERT_TRUE(coll_.Query(q, &out).ok());
  EXPECT_TRUE(out.is_count);
  EXPECT_EQ(out.count, 50);
  q.output_fields = {"*"};
  q.limit = 7;
  q.offset = 2;
  ASSERT_TRUE(coll_.Query(q, &out).ok());
  EXPECT_EQ(out.fields.size(), 6u);
  EXPECT_EQ(out.fields[0].ints.size(), 7u);
  EXPECT_EQ(out.fields[0].ints[0], 2);
  EXPECT_EQ(out.fields[1].vecs.size(), 7u * kDim);
  QueryArgs empty;
  EXPECT_FALSE(coll_.Query(empty, &out).ok());  // empty expression needs a limit
  empty.limit = 3;
  ASSERT_TRUE(coll_.Query(empty, &out).ok());
  EXPECT_EQ(out.fields[0].ints.size(), 3u);
  QueryArgs bad;
  bad.filter = "id <";
  EXPECT_EQ(coll_.Query(bad, &out).code(), code::kParameterInvalid);
}

TEST_F(CollectionTest, InsertValidation) {
  Batch b = MakeBatch(coll_.schema(), 3, 0, RandomVectors(3, kDim, 1));
  EXPECT_TRUE(coll_.ValidateInsert(b).ok());
  Batch nan = b;
  nan.columns[1].vecs[4] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_NE(coll_.ValidateInsert(nan).reason().find("NaN"), std::string::npos);
  Batch inf = b;
  inf.columns[1].vecs[0] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(coll_.ValidateInsert(inf).ok());
  Batch dim = b;
  dim.columns[1].dim = kDim + 1;
  EXPECT_EQ(coll_.ValidateInsert(dim).error_code(), legacy::kIllegalDimension);
  Batch rows = b;
  rows.columns[2].ints.pop_back();
  EXPECT_FALSE(coll_.ValidateInsert(rows).ok());
  Batch type = b;
  type.columns[2].type = DataType::kDouble;
  EXPECT_EQ(coll_.ValidateInsert(type).error_code(), legacy::kSchemaMismatch);
  Batch longstr = b;
  longstr.columns[4].strs[0] = std::string(65, 'x');
  EXPECT_FALSE(coll_.ValidateInsert(longstr).ok());
}

TEST(Schema, Validation) {
  CollectionSchema s = MakeSchema(8);
  EXPECT_EQ(s.fields[0].id, 100);
  EXPECT_EQ(s.fields[1].id, 101);
  CollectionSchema bad = s;
  bad.fields[1].dim = 0;
  EXPECT_EQ(ValidateAndAssignIds(&bad).error_code(), legacy::kIllegalDimension);
  bad = s;
  bad.fields[1].dim = 32769;
  EXPECT_FALSE(ValidateAndAssignIds(&bad).ok());
  bad = s;
  bad.fields[0].is_primary = false;
  EXPECT_FALSE(ValidateAndAssignIds(&bad).ok());
  bad = s;
  bad.name = "1abc";
  EXPECT_FALSE(ValidateAndAssignIds(&bad).ok());
  bad = s;
  bad.fields[2].name = "id";
  EXPECT_NE(ValidateAndAssignIds(&bad).reason().find("duplicated"), std::string::npos);
  bad = s;
  bad.fields[0].type = DataType::kDouble;
  EXPECT_FALSE(ValidateAndAssignIds(&bad).ok());
}

}  // namespace
}  // namespace mdrill::engine
