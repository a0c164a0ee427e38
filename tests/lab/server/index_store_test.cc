// Segment indexes built once and shared (lab/server/index_store.h), between two
// copies of one collection fed the same rows, each with a store of its own over one
// directory, as two query nodes: the second copy loads what the first built, builds
// nothing, and answers every search as the first; it waits while
// a live process holds the claim, takes over the claim of a process that is gone,
// and builds again over an index file that does not read.
#include "lab/server/index_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "engine/test_data.h"
#include "lab.pb.h"
#include "lab/server/catalog.h"
#include "testing/server_process.h"
#include "util/subprocess.h"

namespace mdrill::lab {
namespace {

using engine::testing::MakeBatch;
using engine::testing::MakeSchema;
using engine::testing::RandomVectors;
constexpr int kDim = 16;
constexpr size_t kRows = 3000;

// A FileIndexStore that runs `on_claim` once, at the first claim it grants: what
// another thread does while this copy builds (the collection's lock is not held).
class HookedStore final : public engine::IndexStore {
 public:
  explicit HookedStore(std::shared_ptr<FileIndexStore> inner) : inner_(std::move(inner)) {}
  std::function<void()> on_claim;

  std::unique_ptr<engine::VectorIndex> Load(const std::string& key, const engine::IndexSpec& spec, size_t rows,
                                            int dim) override {
    return inner_->Load(key, spec, rows, dim);
  }
  bool Claim(const std::string& key) override {
    bool claimed = inner_->Claim(key);
    if (claimed && on_claim) std::exchange(on_claim, nullptr)();
    return claimed;
  }
  void Store(const std::string& key, const engine::VectorIndex& index) override { inner_->Store(key, index); }
  void Release(const std::string& key) override { inner_->Release(key); }
  void Forget(int64_t collection_id) override { inner_->Forget(collection_id); }
  void ForgetSegment(int64_t collection_id, int64_t segment_id) override {
    inner_->ForgetSegment(collection_id, segment_id);
  }
  void ForgetIndex(const std::string& key) override { inner_->ForgetIndex(key); }

 private:
  std::shared_ptr<FileIndexStore> inner_;
};

engine::IndexSpec IvfSpec(int nlist) {
  engine::IndexSpec spec;
  EXPECT_TRUE(
      engine::ParseIndexSpec(
          {{"index_type", "IVF_FLAT"}, {"metric_type", "L2"}, {"params", "{\"nlist\":" + std::to_string(nlist) + "}"}},
          &spec)
          .ok());
  return spec;
}

struct Node {
  std::shared_ptr<FileIndexStore> store;
  std::shared_ptr<HookedStore> hooked;
  std::unique_ptr<engine::Collection> data;
  Node(const std::string& dir, const std::string& name)
      : store(std::make_shared<FileIndexStore>(dir, name)), hooked(std::make_shared<HookedStore>(store)) {
    engine::CollectionOptions o;
    o.segment_max_rows = 1000;
    o.min_rows_to_index = 100;
    o.index_store = hooked;
    data = std::make_unique<engine::Collection>(7, MakeSchema(kDim), o);
    data->Insert(MakeBatch(data->schema(), kRows, 0, RandomVectors(kRows, kDim, 3)), 100);
    data->Seal();
    EXPECT_TRUE(data->SetIndex(IvfSpec(8)).ok());
  }
  void BuildAll() {
    while (data->BuildPendingIndex()) {
    }
  }
  std::vector<int64_t> Search(size_t row) {
    engine::SearchArgs a;
    a.queries = RandomVectors(1, kDim, 100 + static_cast<uint32_t>(row));
    a.nq = 1;
    a.knobs.topk = 20;
    a.knobs.nprobe = 1;  // one list of eight: which list holds a row is the trained index's
    engine::SearchOutput out;
    EXPECT_TRUE(data->Search(a, &out).ok());
    return out.ids.ints;
  }
};

class IndexStoreTest : public ::testing::Test {
 protected:
  std::string dir_ = testing::TempDir("index-store");
  ~IndexStoreTest() override { std::filesystem::remove_all(dir_); }
  std::vector<std::filesystem::path> Files(const std::string& ext) {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_))
      if (e.path().extension() == ext) out.push_back(e.path());
    return out;
  }
  // The segment ids that have an index file ("<segment>-<hash>.faiss").
  std::set<std::string> IndexedSegments() {
    std::set<std::string> out;
    for (const auto& f : Files(".faiss")) out.insert(f.filename().string().substr(0, f.filename().string().find('-')));
    return out;
  }
};

TEST_F(IndexStoreTest, TheSecondNodeLoadsWhatTheFirstBuilt) {
  Node a(dir_, "a"), b(dir_, "b");
  a.BuildAll();
  EXPECT_EQ(a.store->built(), 3);
  b.BuildAll();
  EXPECT_EQ(b.store->loaded(), 3);
  EXPECT_EQ(b.store->built(), 0);
  EXPECT_EQ(b.data->GetIndexProgress().pending_rows, 0);
  EXPECT_TRUE(Files(".building").empty());
  int differ = 0;
  for (size_t q = 0; q < 20; ++q) differ += a.Search(q) != b.Search(q) ? 1 : 0;
  EXPECT_EQ(differ, 0) << "two nodes with one shared index answered differently";
}

TEST_F(IndexStoreTest, ALiveClaimIsWaitedForAGoneOneTakenOver) {
  Node a(dir_, "a");
  a.BuildAll();
  const auto built = Files(".faiss");
  ASSERT_EQ(built.size(), 3u);
  for (const auto& f : built) std::filesystem::remove(f);
  // A claim of this live process on every segment: the second node must not build.
  for (const auto& f : built) {
    std::ofstream(std::filesystem::path(f).replace_extension(".building"))
        << ::getpid() << " " << ProcessStartTicks(::getpid()) << "\n";
  }
  Node b(dir_, "b");
  EXPECT_FALSE(b.data->BuildPendingIndex());
  EXPECT_EQ(b.data->GetIndexProgress().pending_rows, static_cast<int64_t>(kRows));
  // The same claims, of a process that has exited: taken over, built.
  Subprocess gone;
  std::string err;
  ASSERT_TRUE(gone.Start({"true"}, "", &err)) << err;
  ASSERT_TRUE(gone.Wait(std::chrono::seconds(5)));
  for (const auto& f : built)
    std::ofstream(std::filesystem::path(f).replace_extension(".building")) << gone.pid() << " 12345\n";
  b.BuildAll();
  EXPECT_EQ(b.store->built(), 3);
  EXPECT_EQ(b.data->GetIndexProgress().pending_rows, 0);
}

TEST_F(IndexStoreTest, AnEmptyClaimIsWaitedForBrieflyThenTakenOver) {
  Node a(dir_, "a");
  a.BuildAll();
  const auto built = Files(".faiss");
  ASSERT_EQ(built.size(), 3u);
  for (const auto& f : built) {
    std::filesystem::remove(f);
    std::ofstream(std::filesystem::path(f).replace_extension(".building"));  // its builder died before writing
  }
  Node b(dir_, "b");
  EXPECT_FALSE(b.data->BuildPendingIndex()) << "a fresh empty claim may be one being written";
  for (const auto& f : Files(".building"))
    std::filesystem::last_write_time(f, std::filesystem::file_time_type::clock::now() - std::chrono::seconds(10));
  b.BuildAll();
  EXPECT_EQ(b.store->built(), 3);
}

TEST_F(IndexStoreTest, AnIndexFileThatDoesNotReadIsBuiltAgain) {
  Node a(dir_, "a");
  a.BuildAll();
  for (const auto& f : Files(".faiss")) std::ofstream(f, std::ios::trunc) << "not an index";
  Node b(dir_, "b");
  b.BuildAll();
  EXPECT_EQ(b.store->loaded(), 0);
  EXPECT_EQ(b.store->built(), 3);
  EXPECT_EQ(b.data->GetIndexProgress().pending_rows, 0);
  Node c(dir_, "c");
  c.BuildAll();
  EXPECT_EQ(c.store->loaded(), 3);  // b's, which read
}

// A dropped collection's indexes are removed, whoever built them: by the store
// (Forget), and by a catalog that applies the drop.
TEST_F(IndexStoreTest, ADroppedCollectionsIndexFilesAreRemoved) {
  Node a(dir_, "querynode-0");
  a.BuildAll();
  ASSERT_FALSE(Files(".faiss").empty());
  a.store->Forget(8);  // another collection: nothing of 7's goes
  EXPECT_FALSE(Files(".faiss").empty());
  a.store->Forget(7);
  EXPECT_TRUE(Files(".faiss").empty());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/7"));
  a.store->Forget(7);  // again: nothing to do

  CatalogOptions co;
  co.collection.index_store = std::make_shared<FileIndexStore>(dir_, "querynode-1");
  Catalog replica(co, nullptr);  // a query node's: it applies the log's records
  const std::string cdir = dir_ + "/42";
  std::filesystem::create_directories(cdir);
  std::ofstream(cdir + "/1-0123456789abcdef.faiss") << "an index";
  milvusdrill::lab::WalRecord drop;
  drop.mutable_drop_collection()->set_collection_id(42);
  ASSERT_TRUE(replica.ApplyReplicated(drop).ok());
  EXPECT_FALSE(std::filesystem::exists(cdir));
}

// A merged segment's indexes are removed, by each copy that applies the merge and
// by a builder whose segment was merged while it built; the merged segment's own
// index is kept and shared.
TEST_F(IndexStoreTest, AMergedSegmentsIndexFilesAreRemoved) {
  Node a(dir_, "querynode-0"), b(dir_, "querynode-1");
  a.BuildAll();
  ASSERT_EQ(Files(".faiss").size(), 3u);
  const auto segs = a.data->Segments();
  ASSERT_EQ(segs.size(), 3u);
  const std::vector<int64_t> merge = {segs[0].id, segs[1].id};
  const int64_t into = a.data->next_segment_id();
  ASSERT_TRUE(a.data->Compact(merge, into).ok());
  EXPECT_EQ(IndexedSegments(), (std::set<std::string>{std::to_string(segs[2].id)}));
  a.BuildAll();
  EXPECT_EQ(IndexedSegments(), (std::set<std::string>{std::to_string(segs[2].id), std::to_string(into)}));
  // b built nothing before the merge: it stores the old segments' indexes itself
  // (the files went) and drops them when it applies the merge.
  b.BuildAll();
  EXPECT_EQ(b.store->built(), 2);
  EXPECT_EQ(Files(".faiss").size(), 4u);
  ASSERT_TRUE(b.data->Compact(merge, into).ok());
  EXPECT_EQ(IndexedSegments(), (std::set<std::string>{std::to_string(segs[2].id), std::to_string(into)}));
  b.BuildAll();
  EXPECT_EQ(b.store->loaded(), 2);  // segment 3 and the merged one, both a's
  int differ = 0;
  for (size_t q = 0; q < 20; ++q) differ += a.Search(q) != b.Search(q) ? 1 : 0;
  EXPECT_EQ(differ, 0);
}

// A dropped index's files are removed by each copy that applies the drop, and by a
// builder whose index was dropped (and specified again) while it built.
TEST_F(IndexStoreTest, ADroppedIndexsFilesAreRemoved) {
  Node a(dir_, "querynode-0"), b(dir_, "querynode-1");
  a.BuildAll();
  ASSERT_EQ(Files(".faiss").size(), 3u);
  ASSERT_TRUE(a.data->DropIndex().ok());
  EXPECT_TRUE(Files(".faiss").empty());
  ASSERT_TRUE(b.data->DropIndex().ok());  // the second copy: nothing left to remove

  // While a builds the first segment's index, the index is dropped and created with
  // another nlist: the index it built is not kept, in memory or on disk.
  ASSERT_TRUE(a.data->SetIndex(IvfSpec(8)).ok());
  a.hooked->on_claim = [&] {
    ASSERT_TRUE(a.data->DropIndex().ok());
    ASSERT_TRUE(a.data->SetIndex(IvfSpec(4)).ok());
  };
  ASSERT_TRUE(a.data->BuildPendingIndex());
  EXPECT_EQ(a.store->built(), 4);  // 3 before, and the discarded one
  EXPECT_TRUE(Files(".faiss").empty());
  a.BuildAll();
  EXPECT_EQ(Files(".faiss").size(), 3u);  // the new spec's, one per segment
  EXPECT_EQ(a.data->GetIndexProgress().pending_rows, 0);
}

// A builder whose segment was merged away while it built removes the index it
// stored for it: nobody will ask for it.
TEST_F(IndexStoreTest, AnIndexBuiltForASegmentMergedMeanwhileIsRemoved) {
  Node a(dir_, "querynode-0");
  const auto segs = a.data->Segments();
  ASSERT_EQ(segs.size(), 3u);
  a.hooked->on_claim = [&] { ASSERT_TRUE(a.data->Compact({segs[0].id, segs[1].id}, a.data->next_segment_id()).ok()); };
  ASSERT_TRUE(a.data->BuildPendingIndex());
  EXPECT_EQ(a.store->built(), 1);
  EXPECT_TRUE(Files(".faiss").empty());
  a.BuildAll();
  const std::set<std::string> segments = IndexedSegments();
  EXPECT_EQ(segments.size(), 2u);  // the third segment and the merged one
  EXPECT_EQ(segments.count(std::to_string(segs[0].id)), 0u);
}

}  // namespace
}  // namespace mdrill::lab
