// HdrHistogram: a latency histogram with bounded relative error, after Gil Tene's
// HdrHistogram (the same log-linear bucket layout as the C/Java libraries, which
// Debian does not package as a C library).
//
// Values are microseconds, 1 us .. 1 hour, kept to 3 significant decimal digits:
// each power-of-two range is split into 1024 equal sub-buckets, so a percentile is
// reported as the top of the sub-bucket holding the true sample and exceeds it by
// less than 1/1024 (< 0.1 %) of the value. Values 0..2047 are exact.
// Count, Min, Max and Mean are exact (tracked beside the buckets). Values below 0
// are recorded as 0; values above 1 hour are counted in the top bucket (Saturated()
// says how many) while Max still reports them exactly.
//
// About 190 KB per histogram. A plain value type: copyable, thread-compatible.
#pragma once

#include <cstdint>
#include <vector>

namespace mdrill::drill {

class HdrHistogram {
 public:
  static constexpr int64_t kHighestTrackable = 3'600'000'000;  // 1 hour in us
  static constexpr int kSignificantDigits = 3;

  HdrHistogram();

  // Records `value` `count` times (count <= 0 records nothing).
  void Record(int64_t value, int64_t count = 1);
  // Records `value`, and, when it exceeds `expected_interval` (> 0), back-fills
  // value - interval, value - 2*interval, ... down to (not below) interval:
  // the samples a closed-loop load generator would have taken had it not been
  // stalled behind this one (coordinated-omission correction, as HdrHistogram's
  // recordCorrectedValue). Open-loop latencies measured from the intended start
  // are already corrected and must use Record instead.
  void RecordCorrected(int64_t value, int64_t expected_interval);
  // Adds every sample of `other`. Always compatible: the layout is fixed.
  void Merge(const HdrHistogram& other);

  // The value at percentile p (0..100, clamped): the smallest recorded bucket at
  // which the cumulative count reaches max(1, round(p/100 * Count())), reported as
  // that bucket's highest equivalent value, but never above Max(). 0 when empty.
  int64_t ValueAtPercentile(double p) const;
  int64_t Count() const { return count_; }
  int64_t Min() const { return count_ > 0 ? min_ : 0; }  // 0 when empty
  int64_t Max() const { return count_ > 0 ? max_ : 0; }  // 0 when empty
  double Mean() const;                                   // 0 when empty
  int64_t Saturated() const { return saturated_; }       // samples above kHighestTrackable

  // Layout helpers, public for the tests: the counts index holding `value` and
  // the [lowest, highest] values that share it.
  static int CountsIndex(int64_t value);
  static int64_t LowestEquivalent(int64_t value);
  static int64_t HighestEquivalent(int64_t value);

 private:
  std::vector<int64_t> counts_;
  int64_t count_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  int64_t saturated_ = 0;
  double sum_ = 0;  // double: back-filled hour-long stalls would overflow int64
};

}  // namespace mdrill::drill
