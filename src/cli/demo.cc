#include "cli/demo.h"

#include <chrono>
#include <cstdio>
#include <random>

namespace mdrill::cli {

namespace {

using Clock = std::chrono::steady_clock;
constexpr milvus::Deadline kCall{10000};

bool Step(const char* what, const Status& s, Clock::time_point start) {
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (s.ok()) {
    std::printf("  ok    %-50s %8.1f ms\n", what, ms);
    return true;
  }
  std::printf("  FAIL  %-50s %s\n", what, s.ToString().c_str());
  return false;
}

}  // namespace

int RunDemo(const DemoOptions& o) {
  std::printf("milvus-drill demo against %s\n", o.connect.address.c_str());
  milvus::MilvusClient c;
  auto t = Clock::now();
  if (!Step("connect", c.Connect(o.connect, kCall), t)) return 1;
  auto has = c.HasCollection(o.collection, kCall);
  if (!has.ok()) return Step("has_collection", has.status(), t) ? 0 : 1;
  if (has.value()) {
    std::printf("  FAIL  collection %s already exists: the demo never drops a collection it did not create\n",
                o.collection.c_str());
    return 1;
  }
  milvus::CollectionSpec spec;
  spec.name = o.collection;
  spec.dim = o.dim;
  t = Clock::now();
  if (!Step("create collection (Int64 autoID pk, 128-d vector)", c.CreateCollection(spec, kCall), t)) return 1;

  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> vecs(static_cast<size_t>(o.rows) * o.dim);
  for (auto& x : vecs) x = u(rng);
  bool ok = true;
  t = Clock::now();
  auto ins = c.Insert(o.collection, {milvus::FloatVectorColumn(spec.vector_field, o.dim, vecs)},
                      static_cast<uint32_t>(o.rows), kCall);
  ok = Step(("insert " + std::to_string(o.rows) + " rows").c_str(), ins.status(), t) && ok;
  if (ok && ins->int_ids.size() != static_cast<size_t>(o.rows)) {
    std::printf("  FAIL  insert returned %zu ids for %d rows\n", ins->int_ids.size(), o.rows);
    ok = false;
  }
  t = Clock::now();
  ok = ok && Step("create index IVF_FLAT L2 nlist 128", c.CreateIndex(o.collection, spec.vector_field, {}, kCall), t);
  t = Clock::now();
  ok = ok && Step("wait for the index", c.WaitIndex(o.collection, milvus::Deadline(60000)), t);
  t = Clock::now();
  ok = ok && Step("load (replica_number 1)", c.LoadAndWait(o.collection, 1, milvus::Deadline(60000)), t);
  if (ok) {
    milvus::SearchParams sp;
    sp.collection = o.collection;
    sp.dim = o.dim;
    sp.vectors.assign(vecs.begin() + 7 * o.dim, vecs.begin() + 8 * o.dim);
    sp.topk = 10;
    sp.anns_field = spec.vector_field;
    sp.metric_type = "L2";
    sp.params_json = "{\"nprobe\":16}";
    t = Clock::now();
    auto r = c.Search(sp, kCall);
    ok = Step("search top 10 (row 7's own vector)", r.status(), t) && ok;
    if (r.ok()) {
      bool own =
          !r->hits.empty() && !r->hits[0].empty() && r->hits[0][0].id == ins->int_ids[7] && r->hits[0][0].score == 0.0f;
      std::printf("        top hit id %lld score %.4f (expected id %lld score 0): %s\n",
                  r->hits[0].empty() ? -1LL : static_cast<long long>(r->hits[0][0].id),
                  r->hits[0].empty() ? -1.0 : r->hits[0][0].score, static_cast<long long>(ins->int_ids[7]),
                  own ? "ok" : "WRONG");
      ok = ok && own;
    }
    t = Clock::now();
    auto n = c.Count(o.collection, "", milvus::pb::Strong, kCall);
    ok = Step("query count(*)", n.status(), t) && ok;
    if (n.ok()) {
      std::printf("        count(*) = %lld (expected %d): %s\n", static_cast<long long>(n.value()), o.rows,
                  n.value() == o.rows ? "ok" : "WRONG");
      ok = ok && n.value() == o.rows;
    }
  }
  t = Clock::now();
  ok = Step("drop collection", c.DropCollection(o.collection, kCall), t) && ok;
  std::printf("%s\n", ok ? "demo passed" : "demo FAILED");
  return ok ? 0 : 1;
}

}  // namespace mdrill::cli
