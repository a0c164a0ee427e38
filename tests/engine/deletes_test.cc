// Which rows a search may return once keys were deleted, by two roads: with no
// filter the collection hides the deleted keys' rows (one lookup per delete),
// with a filter it asks every row (a lookup per row). Over random inserts (keys
// reused, so some rows come back after their delete), deletes, seals, merges and
// an index set midway, a search without a filter and one with a filter every row
// passes must return the same rows with the same scores, whatever the seed.
#include <gtest/gtest.h>

#include <random>

#include "engine/collection.h"
#include "engine/test_data.h"

namespace mdrill::engine {
namespace {

using testing::MakeBatch;
using testing::MakeSchema;
using testing::RandomVectors;

constexpr int kDim = 8;

SearchOutput SearchAll(const Collection& c, const std::vector<float>& queries, const std::string& filter) {
  SearchArgs a;
  a.queries = queries;
  a.nq = queries.size() / kDim;
  a.knobs.topk = 40;
  a.knobs.metric = Metric::kL2;
  a.knobs.nprobe = 64;
  a.filter = filter;
  SearchOutput out;
  Status s = c.Search(a, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(Deletes, ASearchWithoutAFilterHidesExactlyWhatTheRowByRowCheckHides) {
  int compared = 0, hidden_seen = 0;
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    CollectionOptions o;
    o.segment_max_rows = 300;
    o.min_rows_to_index = 50;
    o.indexed_segments_to_merge = 2;
    Collection c(1, MakeSchema(kDim), o);
    std::mt19937 rng(seed);
    uint64_t ts = 100;
    for (int step = 0; step < 80; ++step) {
      const int what = std::uniform_int_distribution<int>(0, 9)(rng);
      ++ts;
      if (what < 4) {
        const size_t n = std::uniform_int_distribution<size_t>(1, 120)(rng);
        const int64_t first = std::uniform_int_distribution<int64_t>(0, 600)(rng);  // keys overlap
        c.Insert(MakeBatch(c.schema(), n, first, RandomVectors(n, kDim, seed * 1000 + step)), ts);
      } else if (what < 7) {
        std::vector<Value> keys;
        const int k = std::uniform_int_distribution<int>(1, 40)(rng);
        for (int i = 0; i < k; ++i) keys.emplace_back(std::uniform_int_distribution<int64_t>(0, 720)(rng));
        c.Delete(keys, ts);
      } else if (what < 8) {
        c.Seal();
      } else {
        while (c.BuildPendingIndex()) {
        }
        auto ids = c.CompactionCandidates(200, 900);
        if (!ids.empty()) {
          ASSERT_TRUE(c.Compact(ids, c.next_segment_id()).ok());
        }
      }
      if (step == 40) {
        IndexSpec spec;
        ASSERT_TRUE(ParseIndexSpec({{"index_type", "FLAT"}, {"metric_type", "L2"}}, &spec).ok());
        ASSERT_TRUE(c.SetIndex(spec).ok());
      }
      if (step % 5 != 4) continue;
      const auto q = RandomVectors(3, kDim, seed * 7 + step);
      SearchOutput fast = SearchAll(c, q, ""), rowwise = SearchAll(c, q, "id >= 0");
      ASSERT_EQ(fast.ids.ints, rowwise.ids.ints) << "seed " << seed << " step " << step;
      ASSERT_EQ(fast.scores, rowwise.scores) << "seed " << seed << " step " << step;
      ++compared;
      // Hits are live rows only: as many as the collection says live, up to top-k.
      for (int64_t n : fast.topks) {
        EXPECT_EQ(n, std::min<int64_t>(40, c.LiveRows())) << "seed " << seed << " step " << step;
        hidden_seen += c.LiveRows() < 40;
      }
    }
  }
  EXPECT_GE(compared, 150);
  std::printf("%d searches compared (%d with fewer live rows than top-k)\n", compared, hidden_seen);
}

}  // namespace
}  // namespace mdrill::engine
