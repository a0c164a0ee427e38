// The active coordinator of a "real Milvus" learned from its etcd session, as the
// Kubernetes backend does it: a real etcd holding Milvus's session key, and a
// recording stand-in for kubectl listing the coordinator pods.
#include <gtest/gtest.h>

#include "drill/nemesis/milvus_sessions.h"
#include "drill/nemesis/recording_cli.h"
#include "lab/etcd_fixture.h"
#include "testing/server_process.h"
#include "util/subprocess.h"

namespace mdrill::drill {
namespace {

constexpr const char* kSession =
    R"({"ServerID":7,"ServerName":"rootcoord","Address":"10.0.0.2:53100","Exclusive":true,"Version":"2.4.15"})";

TEST(MilvusSessions, ParseAndDescribe) {
  auto s = ParseSession(kSession);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->server_id, 7);
  EXPECT_EQ(s->ip(), "10.0.0.2");
  EXPECT_EQ(s->Describe(), "10.0.0.2:53100 (server 7)");
  EXPECT_FALSE(ParseSession("{}").ok());
  EXPECT_FALSE(ParseSession("not json").ok());
  SessionOptions o;
  EXPECT_EQ(SessionKey(o), "by-dev/meta/session/rootcoord");
}

class SessionsEtcd : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(etcd_.Start(&why)) << why;
    o_.etcd = etcd_.endpoints();
  }
  ::mdrill::testing::EtcdFixture etcd_{1};
  SessionOptions o_;
};

TEST_F(SessionsEtcd, ReadsTheActiveSessionOrSaysThereIsNone) {
  etcd::EtcdClient c(o_.etcd);
  auto none = ReadActiveSession(&c, o_);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(c.Put(SessionKey(o_), kSession, 0, etcd::Deadline(3000)).ok());
  auto some = ReadActiveSession(&c, o_);
  ASSERT_TRUE(some.ok());
  ASSERT_TRUE(some->has_value());
  EXPECT_EQ(some.value()->address, "10.0.0.2:53100");
  ASSERT_TRUE(c.Put(SessionKey(o_), "garbage", 0, etcd::Deadline(3000)).ok());
  EXPECT_FALSE(ReadActiveSession(&c, o_).ok());
}

// `run --target k8s --etcd ... --dry-run`: the plan names the pod whose IP is the
// session's address for mode active (the coordinator scenario), and touches nothing.
TEST_F(SessionsEtcd, DryRunResolvesTheActivePodThroughEtcd) {
  etcd::EtcdClient c(o_.etcd);
  ASSERT_TRUE(c.Put(SessionKey(o_), kSession, 0, etcd::Deadline(3000)).ok());
  testing::RecordingCli cli({"kubectl"});
  cli.On("kubectl * get pods *",
         R"({"items":[{"metadata":{"name":"milvus-rootcoord-a"},"status":{"phase":"Running","podIP":"10.0.0.1"}},)"
         R"({"metadata":{"name":"milvus-rootcoord-b"},"status":{"phase":"Running","podIP":"10.0.0.2"}}]})");
  std::string out;
  int rc = RunCapture({mdrill::testing::DrillBinary(), "run", "--target", "k8s", "--test", "coordinator", "--dry-run",
                       "--etcd", etcd_.endpoint_list(), "--out-dir", etcd_.dir() + "/runs"},
                      &out, std::chrono::seconds(60), true);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("milvus-rootcoord-b"), std::string::npos) << out;
  for (const auto& call : cli.Calls()) EXPECT_EQ(call.find("delete"), std::string::npos) << call;
  // Without --etcd the same plan cannot say which pod is active.
  rc = RunCapture({mdrill::testing::DrillBinary(), "run", "--target", "k8s", "--test", "coordinator", "--dry-run",
                   "--out-dir", etcd_.dir() + "/runs"},
                  &out, std::chrono::seconds(60), true);
  EXPECT_EQ(rc, 2) << out;
}

}  // namespace
}  // namespace mdrill::drill
