// The drill's data: deterministic, its ground truth exact, its inserts never among a
// probe's true neighbours; recall; and how a call's Status becomes an outcome.
#include "drill/run/dataset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "drill/run/workload.h"

namespace mdrill::drill {
namespace {

// Squared L2 distance, in double, between two dim-long vectors.
double L2(const float* a, const float* b, int dim) {
  double s = 0;
  for (int d = 0; d < dim; ++d) {
    double diff = static_cast<double>(a[d]) - static_cast<double>(b[d]);
    s += diff * diff;
  }
  return s;
}

const float* Row(const std::vector<float>& v, int row, int dim) { return &v[static_cast<size_t>(row) * dim]; }

// The brute-force top-k of probe p, nearest first (ties by row number).
std::vector<int> BruteForceTopK(const Dataset& data, int p) {
  const DatasetOptions& o = data.options();
  std::vector<std::pair<double, int>> dist;
  for (int r = 0; r < o.base_rows; ++r) dist.push_back({L2(data.probe(p), Row(data.base(), r, o.dim), o.dim), r});
  std::sort(dist.begin(), dist.end());
  std::vector<int> top;
  for (int i = 0; i < std::min(o.topk, o.base_rows); ++i) top.push_back(dist[i].second);
  return top;
}

std::vector<float> Probes(const Dataset& data) {
  const DatasetOptions& o = data.options();
  return std::vector<float>(data.probe(0), data.probe(0) + static_cast<size_t>(o.probes) * o.dim);
}

// ---------------------------------------------------------------- Dataset

TEST(Dataset, ShapesFollowTheOptions) {
  DatasetOptions o;
  Dataset data(o);
  EXPECT_EQ(data.base().size(), static_cast<size_t>(o.base_rows) * o.dim);
  for (int p = 0; p < o.probes; ++p) {
    ASSERT_EQ(data.truth(p).size(), static_cast<size_t>(o.topk));
    std::vector<int> t = data.truth(p);
    std::sort(t.begin(), t.end());
    EXPECT_EQ(std::adjacent_find(t.begin(), t.end()), t.end()) << "probe " << p << " has a repeated neighbour";
    for (int r : t) {
      EXPECT_GE(r, 0);
      EXPECT_LT(r, o.base_rows);
    }
  }
  // Base vectors cluster in the unit cube (centres in [0, 1], noise sd 0.05).
  auto [lo, hi] = std::minmax_element(data.base().begin(), data.base().end());
  EXPECT_GT(*lo, -0.5f);
  EXPECT_LT(*hi, 1.5f);
}

TEST(Dataset, TopKLargerThanTheBaseIsTheWholeBase) {
  DatasetOptions o;
  o.dim = 4;
  o.base_rows = 5;
  o.probes = 3;
  o.topk = 10;
  Dataset data(o);
  for (int p = 0; p < o.probes; ++p) {
    EXPECT_EQ(data.truth(p).size(), 5u);
    EXPECT_EQ(data.truth(p), BruteForceTopK(data, p));
  }
}

TEST(Dataset, DeterministicForASeed) {
  DatasetOptions o;
  Dataset a(o), b(o);
  EXPECT_EQ(a.base(), b.base());
  EXPECT_EQ(Probes(a), Probes(b));
  for (int p = 0; p < o.probes; ++p) EXPECT_EQ(a.truth(p), b.truth(p)) << "probe " << p;

  std::mt19937_64 r1(9), r2(9);
  EXPECT_EQ(a.InsertBatch(20, &r1), b.InsertBatch(20, &r2));

  DatasetOptions other = o;
  other.seed = o.seed + 1;
  Dataset c(other);
  EXPECT_NE(a.base(), c.base());
  EXPECT_NE(Probes(a), Probes(c));
  int same_truth = 0;
  for (int p = 0; p < o.probes; ++p) same_truth += a.truth(p) == c.truth(p);
  EXPECT_LT(same_truth, o.probes);
}

TEST(Dataset, TruthIsTheExactBruteForceTopK) {
  for (uint64_t seed : {42ull, 7ull}) {
    DatasetOptions o;
    o.seed = seed;
    Dataset data(o);
    for (int p = 0; p < o.probes; ++p) {
      ASSERT_EQ(data.truth(p), BruteForceTopK(data, p)) << "seed " << seed << " probe " << p;
      // Nearest first.
      const auto& t = data.truth(p);
      for (size_t i = 1; i < t.size(); ++i)
        EXPECT_LE(L2(data.probe(p), Row(data.base(), t[i - 1], o.dim), o.dim),
                  L2(data.probe(p), Row(data.base(), t[i], o.dim), o.dim));
    }
  }
}

// The property the design relies on: recall stays exact while inserts run, because
// no inserted vector is ever nearer a probe than its k-th true neighbour.
void ExpectInsertsNeverAmongTheTruth(const DatasetOptions& o) {
  Dataset data(o);
  std::mt19937_64 rng(1234);
  const int rows = 1000;
  std::vector<float> ins = data.InsertBatch(rows, &rng);
  ASSERT_EQ(ins.size(), static_cast<size_t>(rows) * o.dim);
  auto [lo, hi] = std::minmax_element(ins.begin(), ins.end());
  EXPECT_GE(*lo, 10.0f);
  EXPECT_LE(*hi, 11.0f);
  for (int p = 0; p < o.probes; ++p) {
    double kth = L2(data.probe(p), Row(data.base(), data.truth(p).back(), o.dim), o.dim);
    double nearest_insert = std::numeric_limits<double>::infinity();
    for (int r = 0; r < rows; ++r)
      nearest_insert = std::min(nearest_insert, L2(data.probe(p), Row(ins, r, o.dim), o.dim));
    EXPECT_GT(nearest_insert, kth) << "dim " << o.dim << " probe " << p;
  }
}

TEST(Dataset, InsertedVectorsAreNeverAmongAProbesTrueNeighbours) {
  ExpectInsertsNeverAmongTheTruth(DatasetOptions{});
  DatasetOptions small;
  small.dim = 2;
  ExpectInsertsNeverAmongTheTruth(small);
}

TEST(Dataset, InsertBatchAdvancesTheCallersGenerator) {
  Dataset data(DatasetOptions{});
  std::mt19937_64 rng(5);
  std::vector<float> first = data.InsertBatch(3, &rng);
  std::vector<float> second = data.InsertBatch(3, &rng);
  EXPECT_NE(first, second);
  EXPECT_TRUE(data.InsertBatch(0, &rng).empty());
}

// ---------------------------------------------------------------- RecallAtK

class Recall : public ::testing::Test {
 protected:
  // Base row r has primary key 1000 + r; the truth is rows 0..9.
  std::vector<int64_t> pks_ = [] {
    std::vector<int64_t> v;
    for (int64_t r = 0; r < 30; ++r) v.push_back(1000 + r);
    return v;
  }();
  std::vector<int> truth_ = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
};

TEST_F(Recall, FullHalfAndNoOverlap) {
  std::vector<int64_t> all = {1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009};
  EXPECT_DOUBLE_EQ(RecallAtK(all, truth_, pks_), 1.0);
  std::vector<int64_t> half = {1000, 1020, 1001, 1021, 1002, 1022, 1003, 1023, 1004, 1024};
  EXPECT_DOUBLE_EQ(RecallAtK(half, truth_, pks_), 0.5);
  std::vector<int64_t> none = {1010, 1011, 1012, 1013, 1014, 1015, 1016, 1017, 1018, 1019};
  EXPECT_DOUBLE_EQ(RecallAtK(none, truth_, pks_), 0.0);
  EXPECT_DOUBLE_EQ(RecallAtK({}, truth_, pks_), 0.0);
}

TEST_F(Recall, ARepeatedIdCountsOnce) {
  // The same true neighbour ten times is one hit out of ten, not perfect recall.
  EXPECT_DOUBLE_EQ(RecallAtK(std::vector<int64_t>(10, 1000), truth_, pks_), 0.1);
}

TEST_F(Recall, OrderInsensitiveWithinTopK) {
  std::vector<int64_t> reversed = {1009, 1008, 1007, 1006, 1005, 1004, 1003, 1002, 1001, 1000};
  EXPECT_DOUBLE_EQ(RecallAtK(reversed, truth_, pks_), 1.0);
  std::vector<int64_t> shuffled = {1004, 1000, 1009, 1002, 1007, 1001, 1008, 1003, 1006, 1005};
  EXPECT_DOUBLE_EQ(RecallAtK(shuffled, truth_, pks_), 1.0);
}

TEST_F(Recall, OnlyTheFirstKResultsCountAndShortAnswersLose) {
  // Ten wrong answers first, the right ones after them: beyond k, so 0.
  std::vector<int64_t> late;
  for (int64_t r = 10; r < 20; ++r) late.push_back(1000 + r);
  for (int64_t r = 0; r < 10; ++r) late.push_back(1000 + r);
  EXPECT_DOUBLE_EQ(RecallAtK(late, truth_, pks_), 0.0);
  EXPECT_DOUBLE_EQ(RecallAtK({1000, 1001, 1002}, truth_, pks_), 0.3);
}

TEST_F(Recall, EmptyTruthIsPerfect) { EXPECT_DOUBLE_EQ(RecallAtK({1010}, {}, pks_), 1.0); }

// ---------------------------------------------------------------- ClassifyOutcome

TEST(ClassifyOutcome, OkIsOkWhateverTheKind) {
  EXPECT_EQ(ClassifyOutcome(Status::OK(), true), Outcome::kOk);
  EXPECT_EQ(ClassifyOutcome(Status::OK(), false), Outcome::kOk);
}

TEST(ClassifyOutcome, AnInsertThatMayHaveTakenEffectIsUnknown) {
  EXPECT_EQ(ClassifyOutcome(Status::Transport(4, "deadline exceeded"), true), Outcome::kUnknown);
  EXPECT_EQ(ClassifyOutcome(Status::Transport(14, "unavailable"), true), Outcome::kUnknown);
  EXPECT_EQ(ClassifyOutcome(Status(code::kServiceUnavailable, 0, "service unavailable"), true), Outcome::kUnknown);
}

TEST(ClassifyOutcome, AnInsertTheServerRefusedFails) {
  EXPECT_EQ(ClassifyOutcome(Status::InvalidArgument("dim mismatch"), true), Outcome::kFail);
  EXPECT_EQ(ClassifyOutcome(Status::CollectionNotFound("c"), true), Outcome::kFail);
}

TEST(ClassifyOutcome, AFailedReadFailsEvenInTransport) {
  EXPECT_EQ(ClassifyOutcome(Status::Transport(4, "deadline exceeded"), false), Outcome::kFail);
  EXPECT_EQ(ClassifyOutcome(Status::Transport(14, "unavailable"), false), Outcome::kFail);
  EXPECT_EQ(ClassifyOutcome(Status(code::kServiceUnavailable, 0, "service unavailable"), false), Outcome::kFail);
  EXPECT_EQ(ClassifyOutcome(Status::InvalidArgument("bad expr"), false), Outcome::kFail);
}

}  // namespace
}  // namespace mdrill::drill
