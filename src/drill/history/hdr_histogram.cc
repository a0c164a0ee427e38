#include "drill/history/hdr_histogram.h"

#include <algorithm>
#include <bit>

namespace mdrill::drill {
namespace {

// 3 significant digits need single-unit resolution up to 2 * 10^3, so a bucket
// holds 2^11 = 2048 sub-buckets of which the upper half (1024) is new in every
// bucket after the first (the lower half overlaps the previous bucket).
constexpr int kSubBucketHalfCountMagnitude = 10;
constexpr int64_t kSubBucketHalfCount = int64_t{1} << kSubBucketHalfCountMagnitude;  // 1024
constexpr int64_t kSubBucketCount = kSubBucketHalfCount * 2;                         // 2048
constexpr int64_t kSubBucketMask = kSubBucketCount - 1;

constexpr int BucketCount() {
  int buckets = 1;
  for (int64_t untrackable = kSubBucketCount; untrackable <= HdrHistogram::kHighestTrackable; untrackable <<= 1) {
    ++buckets;
  }
  return buckets;
}
constexpr int kBucketCount = BucketCount();  // 22 for 1 hour
constexpr int kCountsLen = (kBucketCount + 1) * static_cast<int>(kSubBucketHalfCount);

int BucketIndex(int64_t value) {
  int pow2ceiling = 64 - std::countl_zero(static_cast<uint64_t>(value | kSubBucketMask));
  return pow2ceiling - (kSubBucketHalfCountMagnitude + 1);
}

int64_t ValueFromIndex(int bucket, int64_t sub_bucket) { return sub_bucket << bucket; }

// The lowest value counted at counts index `i`, and the width of its range.
void DecodeIndex(int i, int64_t* lowest, int64_t* width) {
  int bucket = (i >> kSubBucketHalfCountMagnitude) - 1;
  int64_t sub_bucket = (i & (kSubBucketHalfCount - 1)) + kSubBucketHalfCount;
  if (bucket < 0) {
    sub_bucket -= kSubBucketHalfCount;
    bucket = 0;
  }
  *lowest = ValueFromIndex(bucket, sub_bucket);
  *width = int64_t{1} << bucket;
}

int64_t Clamp(int64_t value) { return std::clamp<int64_t>(value, 0, HdrHistogram::kHighestTrackable); }

}  // namespace

HdrHistogram::HdrHistogram() : counts_(kCountsLen, 0) {}

int HdrHistogram::CountsIndex(int64_t value) {
  value = Clamp(value);
  int bucket = BucketIndex(value);
  int64_t sub_bucket = value >> bucket;
  int64_t base = static_cast<int64_t>(bucket + 1) << kSubBucketHalfCountMagnitude;
  return static_cast<int>(base + (sub_bucket - kSubBucketHalfCount));
}

int64_t HdrHistogram::LowestEquivalent(int64_t value) {
  int64_t lowest = 0, width = 0;
  DecodeIndex(CountsIndex(value), &lowest, &width);
  return lowest;
}

int64_t HdrHistogram::HighestEquivalent(int64_t value) {
  int64_t lowest = 0, width = 0;
  DecodeIndex(CountsIndex(value), &lowest, &width);
  return lowest + width - 1;
}

void HdrHistogram::Record(int64_t value, int64_t count) {
  if (count <= 0) return;
  if (value < 0) value = 0;
  if (value > kHighestTrackable) saturated_ += count;
  counts_[CountsIndex(value)] += count;
  if (count_ == 0 || value < min_) min_ = value;
  if (count_ == 0 || value > max_) max_ = value;
  count_ += count;
  sum_ += static_cast<double>(value) * static_cast<double>(count);
}

void HdrHistogram::RecordCorrected(int64_t value, int64_t expected_interval) {
  Record(value);
  if (expected_interval <= 0) return;
  for (int64_t missing = value - expected_interval; missing >= expected_interval; missing -= expected_interval) {
    Record(missing);
  }
}

void HdrHistogram::Merge(const HdrHistogram& other) {
  if (other.count_ == 0) return;
  for (int i = 0; i < kCountsLen; ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
  saturated_ += other.saturated_;
  sum_ += other.sum_;
}

int64_t HdrHistogram::ValueAtPercentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  int64_t wanted = static_cast<int64_t>(p / 100.0 * static_cast<double>(count_) + 0.5);
  wanted = std::max<int64_t>(wanted, 1);
  int64_t seen = 0;
  for (int i = 0; i < kCountsLen; ++i) {
    seen += counts_[i];
    if (seen >= wanted) {
      int64_t lowest = 0, width = 0;
      DecodeIndex(i, &lowest, &width);
      return std::min(lowest + width - 1, max_);
    }
  }
  return max_;
}

double HdrHistogram::Mean() const { return count_ > 0 ? sum_ / static_cast<double>(count_) : 0; }

}  // namespace mdrill::drill
