#include "engine/collection.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/test_data.h"
#include "util/hybrid_ts.h"

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

// Many small sealed segments, as frequent flushes leave them: `rounds` batches of
// `rows` rows (ids round * rows + i, timestamps 100 + round), each sealed.
class CompactionTest : public CollectionTest {
 protected:
  void SmallSegments(int rounds, size_t rows) {
    vecs_ = RandomVectors(static_cast<size_t>(rounds) * rows, kDim, 21);
    for (int r = 0; r < rounds; ++r) {
      std::vector<float> v(vecs_.begin() + static_cast<long>(r * rows * kDim),
                           vecs_.begin() + static_cast<long>((r + 1) * rows * kDim));
      coll_.Insert(MakeBatch(coll_.schema(), rows, static_cast<int64_t>(r * rows), v), 100 + static_cast<uint64_t>(r));
      coll_.Seal();
    }
  }
  // Ids and scores of a fixed query set (rows 0, 7, 14, ... of vecs_ plus a few off-data points).
  std::pair<std::vector<int64_t>, std::vector<float>> Fingerprint(int topk) {
    SearchArgs a;
    a.nq = 12;
    for (size_t q = 0; q < 8; ++q)
      a.queries.insert(a.queries.end(), vecs_.begin() + static_cast<long>(q * 7 * kDim),
                       vecs_.begin() + static_cast<long>((q * 7 + 1) * kDim));
    auto extra = RandomVectors(4, kDim, 99);
    a.queries.insert(a.queries.end(), extra.begin(), extra.end());
    a.knobs.topk = topk;
    a.knobs.metric = Metric::kL2;
    SearchOutput out;
    EXPECT_TRUE(coll_.Search(a, &out).ok());
    return {out.ids.ints, out.scores};
  }
  std::vector<int64_t> AllIds() {
    QueryArgs q;
    q.filter = "id >= 0";
    q.output_fields = {"id"};
    QueryOutput out;
    EXPECT_TRUE(coll_.Query(q, &out).ok());
    std::vector<int64_t> ids = out.fields[0].ints;
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  int64_t Count() {
    QueryArgs q;
    q.output_fields = {"count(*)"};
    QueryOutput out;
    EXPECT_TRUE(coll_.Query(q, &out).ok());
    return out.count;
  }
  size_t SealedSegments() {
    size_t n = 0;
    for (const auto& seg : coll_.Segments()) n += seg.sealed ? 1 : 0;
    return n;
  }
};

TEST_F(CompactionTest, MergeKeepsExactlyTheLiveRowsAndSearchResults) {
  SmallSegments(20, 40);  // 20 sealed segments of 40 rows, each searched exactly
  // Deletes newer than their rows hide them; one older than a re-inserted row does not.
  EXPECT_EQ(coll_.Delete({Value(int64_t{3}), Value(int64_t{41}), Value(int64_t{799})}, 150), 3);
  coll_.Insert(MakeBatch(coll_.schema(), 1, 41, RandomVectors(1, kDim, 5)), 160);  // 41 again, after its delete
  coll_.Seal();
  EXPECT_EQ(coll_.Delete({Value(int64_t{500})}, 110), 0);  // row 500 (ts 112) is newer: stays
  ASSERT_EQ(SealedSegments(), 21u);
  const auto before = Fingerprint(10);
  const auto ids_before = AllIds();
  const int64_t count_before = Count();
  EXPECT_EQ(count_before, 800 - 3 + 1);

  auto candidates = coll_.CompactionCandidates(750, 1500);
  ASSERT_EQ(candidates.size(), 21u);
  const int64_t new_id = coll_.next_segment_id();
  ASSERT_TRUE(coll_.Compact(candidates, new_id).ok());
  auto segs = coll_.Segments();
  ASSERT_EQ(segs.size(), 1u);  // the (empty) growing segment is not listed
  EXPECT_EQ(segs[0].id, new_id);
  EXPECT_TRUE(segs[0].sealed);
  EXPECT_FALSE(segs[0].indexed);
  EXPECT_EQ(segs[0].rows, count_before);  // hidden rows dropped, nothing else
  EXPECT_EQ(coll_.LiveRows(), count_before);
  EXPECT_EQ(Count(), count_before);
  EXPECT_EQ(AllIds(), ids_before);
  const auto after = Fingerprint(10);
  EXPECT_EQ(after.first, before.first);
  EXPECT_EQ(after.second, before.second);  // both exact scans: bit-identical distances
  EXPECT_GT(coll_.next_segment_id(), new_id);

  // Row 41 is its re-inserted self; a later delete still hides kept rows.
  QueryArgs q;
  q.filter = "id in [41, 500]";
  q.output_fields = {"id"};
  QueryOutput out;
  ASSERT_TRUE(coll_.Query(q, &out).ok());
  EXPECT_EQ(out.fields[0].ints, (std::vector<int64_t>{41, 500}));
  EXPECT_EQ(coll_.Delete({Value(int64_t{41}), Value(int64_t{500})}, 300), 2);
  EXPECT_EQ(Count(), count_before - 2);
  ASSERT_TRUE(coll_.Query(q, &out).ok());
  EXPECT_TRUE(out.fields[0].ints.empty());
  // A delete older than every kept row hides nothing (each row kept its timestamp).
  EXPECT_EQ(coll_.Delete({Value(int64_t{700})}, 99), 0);
  EXPECT_EQ(Count(), count_before - 2);

  // The merged segment is big enough to index: the builder picks it up.
  IndexSpec spec;
  ASSERT_TRUE(ParseIndexSpec({{"index_type", "FLAT"}, {"metric_type", "L2"}}, &spec).ok());
  ASSERT_TRUE(coll_.SetIndex(spec).ok());
  EXPECT_GT(coll_.GetIndexProgress().pending_rows, 0);
  EXPECT_TRUE(coll_.BuildPendingIndex());
  EXPECT_EQ(coll_.GetIndexProgress().pending_rows, 0);
  EXPECT_TRUE(coll_.Segments()[0].indexed);
}

TEST_F(CompactionTest, IndexedSearchMatchesAfterMerge) {
  SmallSegments(10, 50);
  IndexSpec spec;
  ASSERT_TRUE(ParseIndexSpec({{"index_type", "FLAT"}, {"metric_type", "L2"}}, &spec).ok());
  ASSERT_TRUE(coll_.SetIndex(spec).ok());
  EXPECT_FALSE(coll_.BuildPendingIndex());  // 50-row segments are below the index minimum
  const auto before = Fingerprint(5);
  ASSERT_TRUE(coll_.Compact(coll_.CompactionCandidates(750, 1500), coll_.next_segment_id()).ok());
  ASSERT_TRUE(coll_.BuildPendingIndex());
  ASSERT_TRUE(coll_.Segments()[0].indexed);
  const auto after = Fingerprint(5);
  EXPECT_EQ(after.first, before.first);
  ASSERT_EQ(after.second.size(), before.second.size());
  for (size_t i = 0; i < before.second.size(); ++i) EXPECT_NEAR(after.second[i], before.second[i], 1e-4);
}

TEST_F(CompactionTest, CandidatesPolicy) {
  SmallSegments(3, 40);
  coll_.Insert(MakeBatch(coll_.schema(), 800, 1000, RandomVectors(800, kDim, 3)), 200);
  coll_.Seal();
  coll_.Insert(MakeBatch(coll_.schema(), 40, 5000, RandomVectors(40, kDim, 4)), 201);
  coll_.Seal();
  coll_.Insert(MakeBatch(coll_.schema(), 10, 6000, RandomVectors(10, kDim, 6)), 202);  // growing
  auto segs = coll_.Segments();
  ASSERT_EQ(segs.size(), 6u);
  // Small sealed segments, in order, skipping the big one and the growing one.
  EXPECT_EQ(coll_.CompactionCandidates(100, 1500),
            (std::vector<int64_t>{segs[0].id, segs[1].id, segs[2].id, segs[4].id}));
  EXPECT_EQ(coll_.CompactionCandidates(100, 80), (std::vector<int64_t>{segs[0].id, segs[1].id}));
  EXPECT_TRUE(coll_.CompactionCandidates(100, 40).empty());  // fewer than two fit
  EXPECT_TRUE(coll_.CompactionCandidates(40, 1500).empty());  // none is small
  // Merging non-adjacent segments puts the result where the first one was.
  ASSERT_TRUE(coll_.Compact({segs[1].id, segs[4].id}, coll_.next_segment_id()).ok());
  auto now = coll_.Segments();
  ASSERT_EQ(now.size(), 5u);
  EXPECT_EQ(now[0].id, segs[0].id);
  EXPECT_EQ(now[1].rows, 80);
  EXPECT_EQ(now[3].id, segs[3].id);
  EXPECT_FALSE(now[4].sealed);
  EXPECT_EQ(coll_.LiveRows(), 3 * 40 + 800 + 40 + 10);
}

TEST_F(CompactionTest, CandidatesInTiersLeaveIndexedSegmentsAlone) {
  IndexSpec spec;
  ASSERT_TRUE(ParseIndexSpec({{"index_type", "FLAT"}, {"metric_type", "L2"}}, &spec).ok());
  ASSERT_TRUE(coll_.SetIndex(spec).ok());
  auto add = [&](size_t rows, int64_t first, uint64_t ts) {
    coll_.Insert(MakeBatch(coll_.schema(), rows, first, RandomVectors(rows, kDim, static_cast<uint32_t>(ts))), ts);
    coll_.Seal();
  };
  for (int i = 0; i < 3; ++i) add(150, 1000 * i, 100 + static_cast<uint64_t>(i));  // indexable
  while (coll_.BuildPendingIndex()) {
  }
  add(40, 5000, 110);
  add(40, 6000, 111);
  auto segs = coll_.Segments();
  ASSERT_EQ(segs.size(), 5u);
  // The exactly-searched ones first, without the indexed ones.
  EXPECT_EQ(coll_.CompactionCandidates(750, 1500), (std::vector<int64_t>{segs[3].id, segs[4].id}));
  ASSERT_TRUE(coll_.Compact({segs[3].id, segs[4].id}, coll_.next_segment_id()).ok());
  // One exact segment and three indexed ones (fewer than four): nothing to do.
  EXPECT_TRUE(coll_.CompactionCandidates(750, 1500).empty());
  add(150, 7000, 120);  // a fourth indexable one, its index not built yet: not taken
  EXPECT_TRUE(coll_.CompactionCandidates(750, 1500).empty());
  EXPECT_TRUE(coll_.BuildPendingIndex());
  segs = coll_.Segments();
  ASSERT_EQ(segs.size(), 5u);
  EXPECT_EQ(coll_.CompactionCandidates(750, 1500),
            (std::vector<int64_t>{segs[0].id, segs[1].id, segs[2].id, segs[4].id}));
}

TEST_F(CompactionTest, RejectsBadRequestsAndRemovesFullyDeletedSegments) {
  SmallSegments(3, 10);
  coll_.Insert(MakeBatch(coll_.schema(), 5, 100, RandomVectors(5, kDim, 8)), 300);  // growing
  auto segs = coll_.Segments();
  const int64_t next = coll_.next_segment_id();
  EXPECT_FALSE(coll_.Compact({}, next).ok());
  EXPECT_FALSE(coll_.Compact({segs[0].id, segs[0].id}, next).ok());
  EXPECT_FALSE(coll_.Compact({segs[0].id, 999}, next).ok());
  EXPECT_FALSE(coll_.Compact({segs[0].id, segs[3].id}, next).ok());  // growing
  EXPECT_FALSE(coll_.Compact({segs[0].id, segs[1].id}, segs[2].id).ok());  // id in use
  EXPECT_EQ(coll_.Segments().size(), segs.size());
  std::vector<Value> keys;
  for (int64_t k = 0; k < 20; ++k) keys.emplace_back(k);
  EXPECT_EQ(coll_.Delete(keys, 400), 20);
  ASSERT_TRUE(coll_.Compact({segs[0].id, segs[1].id}, next).ok());
  auto after = coll_.Segments();
  ASSERT_EQ(after.size(), 2u);  // nothing survived the merge: no empty segment left behind
  EXPECT_EQ(after[0].id, segs[2].id);
  EXPECT_EQ(coll_.LiveRows(), 15);
  EXPECT_EQ(Count(), 15);
}

TEST_F(CompactionTest, GrowingSegmentExpiresWhenIdleOrOld) {
  const uint64_t t0 = ComposeTs(1'000'000, 0);
  EXPECT_FALSE(coll_.GrowingExpired(t0 + ComposeTs(60'000, 0), 1000, 5000));  // empty
  coll_.Insert(MakeBatch(coll_.schema(), 5, 0, RandomVectors(5, kDim, 1)), t0);
  EXPECT_FALSE(coll_.GrowingExpired(ComposeTs(1'000'999, 0), 1000, 5000));
  EXPECT_TRUE(coll_.GrowingExpired(ComposeTs(1'001'000, 0), 1000, 5000));   // idle
  EXPECT_FALSE(coll_.GrowingExpired(ComposeTs(999'000, 0), 1000, 5000));    // clock behind
  for (uint64_t ms = 500; ms <= 5000; ms += 500)  // never idle, but old at 5 s
    coll_.Insert(MakeBatch(coll_.schema(), 1, static_cast<int64_t>(10 + ms), RandomVectors(1, kDim, 2)),
                 ComposeTs(1'000'000 + ms, 0));
  EXPECT_FALSE(coll_.GrowingExpired(ComposeTs(1'004'999, 0), 1000, 5000));
  EXPECT_TRUE(coll_.GrowingExpired(ComposeTs(1'005'000, 0), 1000, 5000));
  coll_.Seal();
  EXPECT_FALSE(coll_.GrowingExpired(ComposeTs(1'100'000, 0), 1000, 5000));  // sealed already
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
