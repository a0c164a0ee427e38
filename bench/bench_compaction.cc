// What a merge costs the writers: one collection with `--segments` sealed segments of
// `--rows-per-segment` rows (dim 128, as the drill writes), merged by Collection::Compact
// while a writer inserts one row every millisecond and a reader runs Strong-style point
// lookups. Prints how long the merge took and the longest insert and lookup it held up.
//
//   bench_compaction [--segments N] [--rows-per-segment R]
//
// The soak's merge was 239,560 rows: --segments 4 --rows-per-segment 60000.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "engine/collection.h"
#include "engine/test_data.h"  // tests/engine

namespace {

using namespace mdrill::engine;
using namespace mdrill::engine::testing;
using Clock = std::chrono::steady_clock;

constexpr int kDim = 128;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Worst {
  std::atomic<int64_t> ns{0};
  std::atomic<int64_t> ops{0};
  void Add(Clock::duration d) {
    const int64_t v = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    int64_t cur = ns.load();
    while (v > cur && !ns.compare_exchange_weak(cur, v)) {
    }
    ops.fetch_add(1);
  }
};

}  // namespace

int main(int argc, char** argv) {
  int segments = 4;
  size_t rows_per_segment = 60000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--segments") == 0) segments = std::stoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rows-per-segment") == 0) rows_per_segment = std::stoul(argv[i + 1]);
  }
  CollectionOptions opts;
  Collection coll(1, MakeSchema(kDim), opts);
  int64_t next_id = 0;
  for (int s = 0; s < segments; ++s) {
    auto v = RandomVectors(rows_per_segment, kDim, static_cast<uint32_t>(s + 1));
    coll.Insert(MakeBatch(coll.schema(), rows_per_segment, next_id, v), 100 + static_cast<uint64_t>(s));
    next_id += static_cast<int64_t>(rows_per_segment);
    coll.Seal();
  }
  // A few deletes, so the merge has rows to drop.
  std::vector<Value> dead;
  for (int64_t k = 0; k < next_id; k += 997) dead.emplace_back(k);
  coll.Delete(dead, 1000);
  const auto ids = coll.CompactionCandidates(static_cast<size_t>(rows_per_segment) + 1,
                                             static_cast<size_t>(segments) * rows_per_segment);
  std::printf("merging %zu segments, %zu rows, dim %d\n", ids.size(), static_cast<size_t>(segments) * rows_per_segment,
              kDim);

  std::atomic<bool> stop{false};
  Worst insert_worst, lookup_worst;
  std::thread writer([&] {
    int64_t id = 1'000'000'000;
    uint64_t ts = 2000;
    auto v = RandomVectors(1, kDim, 7);
    while (!stop.load()) {
      const auto t0 = Clock::now();
      coll.Insert(MakeBatch(coll.schema(), 1, id++, v), ts++);
      insert_worst.Add(Clock::now() - t0);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::thread reader([&] {
    int64_t k = 1;
    while (!stop.load()) {
      QueryArgs q;
      q.filter = "id == " + std::to_string(k);
      q.output_fields = {"id"};
      QueryOutput out;
      const auto t0 = Clock::now();
      (void)coll.Query(q, &out);
      lookup_worst.Add(Clock::now() - t0);
      k = (k * 7919 + 1) % next_id;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int64_t insert_before = insert_worst.ns.exchange(0), lookup_before = lookup_worst.ns.exchange(0);
  const auto t0 = Clock::now();
  auto st = coll.Compact(ids, coll.next_segment_id());
  const auto took = Clock::now() - t0;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  writer.join();
  reader.join();
  if (!st.ok()) {
    std::fprintf(stderr, "compaction failed: %s\n", st.reason().c_str());
    return 1;
  }
  std::printf("merge took            %8.1f ms\n", Ms(took));
  std::printf("longest insert during %8.1f ms   (before the merge: %.2f ms)\n", insert_worst.ns.load() / 1e6,
              insert_before / 1e6);
  std::printf("longest lookup during %8.1f ms   (before the merge: %.2f ms)\n", lookup_worst.ns.load() / 1e6,
              lookup_before / 1e6);
  std::printf("rows live after       %8lld\n", static_cast<long long>(coll.LiveRows()));
  return 0;
}
