// The bad-input matrix (lab/bad_input_matrix.h) through the HA lab's front door:
// every request answered with a clear error or the right answer, and afterwards
// every component still up, never restarted, and the lab still serving. (One deep
// query once restarted all three query nodes: the proxy handed it to each in turn.)
#include <gtest/gtest.h>

#include "lab/bad_input_matrix.h"
#include "lab/flow_helpers.h"
#include "lab/ha_lab_fixture.h"

namespace mdrill::testing {
namespace {

TEST(HaBadInput, MatrixThroughTheFrontDoorRestartsNothing) {
  const int dim = 8;
  HaLabProcess lab;
  std::string out;
  ASSERT_TRUE(lab.Up(&out)) << out;
  milvus::MilvusClient c;
  Connect(&c, lab.front_door());
  std::vector<float> vecs;
  auto ids = SeedCollection(&c, "good", dim, 500, &vecs);
  ASSERT_EQ(ids.size(), 500u);
  auto before = lab.Status();

  RunBadInputMatrix(lab.front_door(), dim);

  auto after = lab.Status();
  ASSERT_EQ(after.components_size(), before.components_size());
  for (int i = 0; i < after.components_size(); ++i) {
    const auto& c1 = after.components(i);
    EXPECT_EQ(c1.restarts(), before.components(i).restarts()) << c1.name() << " restarted";
    EXPECT_EQ(c1.pid(), before.components(i).pid()) << c1.name() << " is a new process";
    EXPECT_TRUE(c1.healthy()) << c1.name();
  }
  auto r = c.Search(OwnVector("good", vecs, 3, dim), kCall);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->hits[0][0].id, ids[3]);
  EXPECT_EQ(c.Count("good", "", milvus::pb::Strong, kCall).value(), 500);
}

}  // namespace
}  // namespace mdrill::testing
