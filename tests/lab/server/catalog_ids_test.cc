// Collection ids come from the id allocator: distinct even when the writer's own
// replica has not applied its last creation yet (an HA coordinator whose tailer
// lagged more than 5 s behind a committed record once handed the next collection
// the id of the previous one, derived from the creations it had applied).
#include <gtest/gtest.h>

#include <set>

#include "lab/server/catalog.h"

namespace mdrill::lab {
namespace {

namespace rec = ::milvusdrill::lab;

// A replicated log whose records reach the catalog only when the test applies
// them (as a lagging tailer would); timestamps and ids from counters.
class LaggingLog final : public CatalogLog {
 public:
  Result<uint64_t> Timestamp() override { return ++ts_; }
  Result<int64_t> Ids(uint32_t count) override {
    const int64_t first = next_id_;
    next_id_ += count;
    return first;
  }
  Status Append(rec::WalRecord* record) override {
    pending.push_back(*record);
    return Status::OK();
  }
  bool replicated() const override { return true; }
  std::vector<rec::WalRecord> pending;

 private:
  uint64_t ts_ = 1000;
  int64_t next_id_ = 5000;
};

engine::CollectionSchema Schema(const std::string& name) {
  engine::CollectionSchema s;
  s.name = name;
  engine::FieldSchema id;
  id.name = "id";
  id.type = engine::DataType::kInt64;
  id.is_primary = true;
  id.auto_id = true;
  engine::FieldSchema v;
  v.name = "embedding";
  v.type = engine::DataType::kFloatVector;
  v.dim = 4;
  s.fields = {id, v};
  return s;
}

TEST(CatalogIds, CollectionsCreatedWhileTheLogLagsGetDistinctIds) {
  LaggingLog log;
  Catalog catalog(CatalogOptions{}, &log);
  ASSERT_TRUE(catalog.CreateCollection(Schema("a"), 1, 2).ok());
  ASSERT_TRUE(catalog.ApplyReplicated(log.pending.back()).ok());  // "a" applied
  // "b" and "c" committed; this replica has applied neither yet.
  ASSERT_TRUE(catalog.CreateCollection(Schema("b"), 1, 2).ok());
  ASSERT_TRUE(catalog.CreateCollection(Schema("c"), 1, 2).ok());
  ASSERT_EQ(log.pending.size(), 3u);
  std::set<int64_t> ids;
  for (const auto& r : log.pending) ids.insert(r.create_collection().collection_id());
  EXPECT_EQ(ids.size(), 3u) << "two creations shared a collection id";
  for (size_t i = 1; i < log.pending.size(); ++i) ASSERT_TRUE(catalog.ApplyReplicated(log.pending[i]).ok());
  std::set<int64_t> applied;
  for (const auto& v : catalog.List()) applied.insert(v.id);
  EXPECT_EQ(applied.size(), 3u);
}

// Two creations of one name committed while the writer's replica had applied
// neither: the first stands on every replica (it used to be replaced by the second,
// which another writer may have given another schema).
TEST(CatalogIds, ASecondCreationOfANameCommittedWhileLaggingLeavesTheFirst) {
  LaggingLog log;
  Catalog writer(CatalogOptions{}, &log);
  ASSERT_TRUE(writer.CreateCollection(Schema("a"), 1, 2).ok());
  engine::CollectionSchema other = Schema("a");
  other.fields[1].dim = 8;
  ASSERT_TRUE(writer.CreateCollection(other, 1, 2).ok());  // the first is not applied here yet
  ASSERT_EQ(log.pending.size(), 2u);
  const int64_t first_id = log.pending[0].create_collection().collection_id();
  for (auto* replica : {&writer}) {
    for (const auto& r : log.pending) ASSERT_TRUE(replica->ApplyReplicated(r).ok());
    auto v = replica->Get("a");
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->id, first_id);
    EXPECT_EQ(v->data->schema().fields[1].dim, 4);
  }
  Catalog fresh(CatalogOptions{}, nullptr);  // a replica applying the same log from the start
  for (const auto& r : log.pending) ASSERT_TRUE(fresh.ApplyReplicated(r).ok());
  EXPECT_EQ(fresh.Get("a")->id, first_id);
  EXPECT_EQ(fresh.List().size(), 1u);
}

TEST(CatalogIds, AReadOnlyReplicaRefusesToCreate) {
  Catalog replica(CatalogOptions{}, nullptr);
  Status s = replica.CreateCollection(Schema("x"), 1, 2);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.reason().find("read-only replica"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace mdrill::lab
