#include "drill/history/hdr_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace mdrill::drill {
namespace {

// The sample HdrHistogram's rank rule picks: sorted[max(1, round(p/100 n)) - 1].
int64_t Truth(const std::vector<int64_t>& sorted, double p) {
  auto rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.5);
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

TEST(HdrHistogram, EmptyIsZero) {
  HdrHistogram h;
  EXPECT_EQ(h.Count(), 0);
  EXPECT_EQ(h.ValueAtPercentile(99), 0);
  EXPECT_EQ(h.Max(), 0);
  EXPECT_EQ(h.Min(), 0);
  EXPECT_EQ(h.Mean(), 0);
}

TEST(HdrHistogram, SmallValuesAreExact) {
  HdrHistogram h;
  for (int64_t v = 1; v <= 2047; ++v) {
    EXPECT_EQ(HdrHistogram::LowestEquivalent(v), v);
    EXPECT_EQ(HdrHistogram::HighestEquivalent(v), v);
  }
  for (int64_t v = 1; v <= 1000; ++v) h.Record(v);
  EXPECT_EQ(h.ValueAtPercentile(50), 500);
  EXPECT_EQ(h.ValueAtPercentile(99), 990);
  EXPECT_EQ(h.ValueAtPercentile(100), 1000);
  EXPECT_EQ(h.ValueAtPercentile(0), 1);
  EXPECT_EQ(h.Min(), 1);
  EXPECT_EQ(h.Max(), 1000);
  EXPECT_DOUBLE_EQ(h.Mean(), 500.5);
}

TEST(HdrHistogram, BucketWidthBoundsTheRelativeError) {
  // Across the whole range, the values sharing a slot differ by < 1/1024.
  for (int64_t v = 2048; v < HdrHistogram::kHighestTrackable; v = v * 3 / 2 + 7) {
    int64_t lo = HdrHistogram::LowestEquivalent(v), hi = HdrHistogram::HighestEquivalent(v);
    ASSERT_LE(lo, v);
    ASSERT_GE(hi, v);
    ASSERT_LT(static_cast<double>(hi - lo) / static_cast<double>(lo), 1.0 / 1024) << v;
    ASSERT_EQ(HdrHistogram::CountsIndex(hi + 1), HdrHistogram::CountsIndex(v) + 1) << v;
  }
}

TEST(HdrHistogram, PercentilesWithinOneTenthPercentOfSortedTruth) {
  std::mt19937_64 rng(42);
  // Log-uniform over 1 us .. 1 h exercises every bucket, like real latencies.
  std::uniform_real_distribution<double> exponent(0, std::log(3.6e9));
  std::vector<int64_t> values;
  HdrHistogram h;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<int64_t>(std::exp(exponent(rng)));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    int64_t truth = Truth(values, p);
    int64_t got = h.ValueAtPercentile(p);
    EXPECT_GE(got, truth) << "p" << p;
    EXPECT_LE(std::abs(static_cast<double>(got - truth)), 0.001 * static_cast<double>(truth)) << "p" << p;
  }
  EXPECT_EQ(h.Min(), values.front());
  EXPECT_EQ(h.Max(), values.back());
  EXPECT_EQ(h.ValueAtPercentile(100), values.back());
  double sum = 0;
  for (int64_t v : values) sum += static_cast<double>(v);
  EXPECT_NEAR(h.Mean(), sum / static_cast<double>(values.size()), 1e-6 * h.Mean());
}

TEST(HdrHistogram, RecordCorrectedBackFillsTheStall) {
  // A closed-loop client expecting a sample every 10 ms was stalled 100 ms:
  // it missed the samples it would have taken at 90, 80, ..., 10 ms.
  HdrHistogram h;
  for (int i = 0; i < 10; ++i) h.RecordCorrected(1'000, 10'000);  // fast: nothing to back-fill
  h.RecordCorrected(100'000, 10'000);
  EXPECT_EQ(h.Count(), 10 + 10);
  EXPECT_EQ(h.Max(), 100'000);
  EXPECT_EQ(h.ValueAtPercentile(50), 1'000);
  // The 11 slow samples 10, 20, ..., 100 ms lift the upper half.
  EXPECT_NEAR(static_cast<double>(h.ValueAtPercentile(75)), 50'000, 50);
  HdrHistogram plain;
  for (int i = 0; i < 10; ++i) plain.Record(1'000);
  plain.Record(100'000);
  EXPECT_EQ(plain.Count(), 11);
  EXPECT_EQ(plain.ValueAtPercentile(75), 1'000);
  // A value exactly at the interval back-fills nothing; no interval disables it.
  HdrHistogram edge;
  edge.RecordCorrected(10'000, 10'000);
  edge.RecordCorrected(50'000, 0);
  EXPECT_EQ(edge.Count(), 2);
}

TEST(HdrHistogram, MergeEqualsRecordingEverything) {
  HdrHistogram a, b, both;
  for (int64_t v = 1; v < 200000; v += 37) {
    (v % 2 ? a : b).Record(v);
    both.Record(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.Count(), both.Count());
  EXPECT_EQ(a.Min(), both.Min());
  EXPECT_EQ(a.Max(), both.Max());
  EXPECT_DOUBLE_EQ(a.Mean(), both.Mean());
  for (double p : {50.0, 90.0, 99.0}) EXPECT_EQ(a.ValueAtPercentile(p), both.ValueAtPercentile(p));
  HdrHistogram empty;
  empty.Merge(both);
  EXPECT_EQ(empty.Min(), both.Min());
}

TEST(HdrHistogram, OutOfRangeValuesAreClampedButMaxIsExact) {
  HdrHistogram h;
  h.Record(-5);
  h.Record(2 * HdrHistogram::kHighestTrackable);
  EXPECT_EQ(h.Count(), 2);
  EXPECT_EQ(h.Min(), 0);
  EXPECT_EQ(h.Max(), 2 * HdrHistogram::kHighestTrackable);
  EXPECT_EQ(h.Saturated(), 1);
  EXPECT_GE(h.ValueAtPercentile(100), HdrHistogram::kHighestTrackable);
}

}  // namespace
}  // namespace mdrill::drill
