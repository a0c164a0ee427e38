// A metadata-only copy (a coordinator's) against a full copy (a query node's) fed
// the same random operations: inserts, deletes by expression, seals, merges chosen
// by the metadata copy (as the active coordinator chooses them), an index set
// midway. Whatever the seed, both agree on the live rows, on what a delete matches,
// on every segment's id, state and rows, and on the merge candidates once the full
// copy has built its indexes; the metadata copy keeps no vectors (a fraction of the
// memory), builds nothing, and refuses searches and queries by name.
#include <gtest/gtest.h>

#include <random>

#include "engine/collection.h"
#include "engine/test_data.h"

namespace mdrill::engine {
namespace {

using testing::MakeBatch;
using testing::MakeSchema;
using testing::RandomVectors;

constexpr int kDim = 64;

CollectionOptions Options(bool metadata_only) {
  CollectionOptions o;
  o.segment_max_rows = 900;
  o.min_rows_to_index = 100;
  o.indexed_segments_to_merge = 2;
  o.metadata_only = metadata_only;
  return o;
}

void ExpectSameSegments(const Collection& full, const Collection& meta) {
  auto a = full.Segments(), b = meta.Segments();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].sealed, b[i].sealed);
    EXPECT_EQ(a[i].rows, b[i].rows);
    EXPECT_EQ(a[i].indexed, b[i].indexed) << "segment " << a[i].id;
  }
}

TEST(MetadataOnly, AgreesWithAFullCopyAndHoldsNoVectors) {
  int merges = 0, indexed_merges = 0;
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    Collection full(1, MakeSchema(kDim), Options(false)), meta(1, MakeSchema(kDim), Options(true));
    std::mt19937 rng(seed);
    int64_t next_id = 0;
    uint64_t ts = 100;
    for (int step = 0; step < 120; ++step) {
      const int what = std::uniform_int_distribution<int>(0, 9)(rng);
      ++ts;
      if (what < 5) {
        const size_t n = std::uniform_int_distribution<size_t>(1, 150)(rng);
        Batch b = MakeBatch(full.schema(), n, next_id, RandomVectors(n, kDim, seed * 1000 + step));
        next_id += static_cast<int64_t>(n);
        full.Insert(b, ts);
        meta.Insert(b, ts);
      } else if (what < 7) {
        const std::string expr = "age < " + std::to_string(std::uniform_int_distribution<int>(0, 5)(rng)) +
                                 " and id > " + std::to_string(next_id / 2);
        std::vector<Value> a, b;
        ASSERT_TRUE(full.MatchDelete(expr, &a).ok());
        ASSERT_TRUE(meta.MatchDelete(expr, &b).ok());
        ASSERT_EQ(a, b) << expr;
        EXPECT_EQ(full.Delete(a, ts), meta.Delete(b, ts));
      } else if (what < 8) {
        full.Seal();
        meta.Seal();
      } else {
        while (full.BuildPendingIndex()) {
        }
        auto ids = meta.CompactionCandidates(600, 1800);
        ASSERT_EQ(ids, full.CompactionCandidates(600, 1800));
        if (!ids.empty()) {
          const int64_t into = meta.next_segment_id();
          ASSERT_TRUE(full.Compact(ids, into).ok());
          ASSERT_TRUE(meta.Compact(ids, into).ok());
          ++merges;
          indexed_merges += full.index() ? 1 : 0;
        }
      }
      if (step == 60) {
        IndexSpec spec;
        ASSERT_TRUE(ParseIndexSpec({{"index_type", "FLAT"}, {"metric_type", "L2"}}, &spec).ok());
        ASSERT_TRUE(full.SetIndex(spec).ok());
        ASSERT_TRUE(meta.SetIndex(spec).ok());
      }
      ASSERT_EQ(full.LiveRows(), meta.LiveRows()) << "seed " << seed << " step " << step;
    }
    EXPECT_FALSE(meta.BuildPendingIndex());
    while (full.BuildPendingIndex()) {
    }
    ExpectSameSegments(full, meta);
    EXPECT_EQ(full.GetIndexProgress().indexed_rows, meta.GetIndexProgress().indexed_rows);
    EXPECT_EQ(meta.GetIndexProgress().pending_rows, 0);
    // 64 floats a row are most of a row's bytes: the metadata copy keeps the rest.
    EXPECT_LT(meta.MemoryBytes() * 3, full.MemoryBytes())
        << "metadata " << meta.MemoryBytes() << " B, full " << full.MemoryBytes() << " B";
    SearchArgs s;
    s.queries.assign(kDim, 0.5f);
    s.nq = 1;
    s.knobs.topk = 3;
    SearchOutput so;
    Status refused = meta.Search(s, &so);
    EXPECT_FALSE(refused.ok());
    EXPECT_NE(refused.reason().find("metadata only"), std::string::npos) << refused.reason();
    QueryArgs q;
    q.output_fields = {"count(*)"};
    QueryOutput qo;
    EXPECT_FALSE(meta.Query(q, &qo).ok());
    EXPECT_TRUE(full.Query(q, &qo).ok());
    EXPECT_EQ(qo.count, meta.LiveRows());
  }
  EXPECT_GT(merges, 8);
  EXPECT_GT(indexed_merges, 0);
  std::printf("%d merges, %d of them with an index set\n", merges, indexed_merges);
}

}  // namespace
}  // namespace mdrill::engine
