// Authentication and TLS on the HA lab (`lab up --auth --tls`): every proxy serves
// only TLS, with the certificate the lab made, and checks every caller
// against the users the active coordinator keeps in etcd. Through the front door
// and each proxy directly: root signs in with Milvus, a wrong or missing password is
// refused with upstream's error, a user created through one proxy signs in through
// the other at once, a reset password replaces the old one everywhere (the window
// on the other proxy is measured), users survive the active coordinator's death,
// and the failover suite runs with --user/--password (and stops before any fault
// without them).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "lab/ha_lab_fixture.h"
#include "testing/server_process.h"
#include "util/subprocess.h"

namespace mdrill::testing {
namespace {

using Clock = std::chrono::steady_clock;
const milvus::Deadline kCall() { return milvus::Deadline(5000); }

class HaAuth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    lab_ = new HaLabProcess();
    std::string out;
    up_ = lab_->Up(&out, {"--auth", "--tls"});
    if (!up_) std::fprintf(stderr, "lab up --auth failed:\n%s\n", out.c_str());
  }
  static void TearDownTestSuite() {
    delete lab_;
    lab_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(up_); }

  static std::vector<std::string> Proxies() {
    std::vector<std::string> out;
    const auto status = lab_->Status();
    for (const auto& c : status.components())
      if (c.role() == "proxy") out.push_back(c.address());
    return out;
  }
  static std::string Ca() { return lab_->dir() + "/tls/server.pem"; }
  // TLS, trusting the lab's certificate (made for localhost: the proxies' own
  // addresses may be namespace IPs, so the name is given).
  static milvus::ConnectOptions Options(const std::string& address) {
    milvus::ConnectOptions o;
    o.address = address;
    o.tls = true;
    o.ca_file = Ca();
    o.server_name = "localhost";
    return o;
  }
  static Status SignIn(const std::string& address, const std::string& user, const std::string& password) {
    milvus::MilvusClient c;
    milvus::ConnectOptions o = Options(address);
    o.user = user;
    o.password = password;
    Status s = c.Connect(o, kCall());
    if (s.ok()) s = c.ListCollections(kCall()).status();
    return s;
  }
  static bool Refused(const Status& s) {
    return s.IsTransport() && s.transport_code() == grpc::StatusCode::UNAUTHENTICATED;
  }
  static std::unique_ptr<milvus::MilvusClient> Root(const std::string& address) {
    auto c = std::make_unique<milvus::MilvusClient>();
    milvus::ConnectOptions o = Options(address);
    o.user = "root";
    o.password = "Milvus";
    EXPECT_TRUE(c->Connect(o, kCall()).ok());
    return c;
  }

  static HaLabProcess* lab_;
  static bool up_;
};

HaLabProcess* HaAuth::lab_ = nullptr;
bool HaAuth::up_ = false;

TEST_F(HaAuth, EveryProxyChecksEveryCaller) {
  const auto proxies = Proxies();
  ASSERT_EQ(proxies.size(), 2u);
  for (const auto& address : {lab_->front_door(), proxies[0], proxies[1]}) {
    EXPECT_TRUE(SignIn(address, "root", "Milvus").ok()) << address;
    Status wrong = SignIn(address, "root", "milvus");
    EXPECT_TRUE(Refused(wrong)) << address << ": " << wrong.ToString();
    EXPECT_NE(wrong.reason().find("auth check failure, please check username and password are correct"),
              std::string::npos)
        << wrong.reason();
    milvus::MilvusClient anon;
    milvus::ConnectOptions o = Options(address);
    Status missing = anon.Connect(o, kCall());
    EXPECT_TRUE(Refused(missing)) << missing.ToString();
    EXPECT_NE(missing.reason().find("missing authorization in header"), std::string::npos) << missing.reason();
    // The token form: "user:password".
    milvus::MilvusClient token;
    o.token = "root:Milvus";
    EXPECT_TRUE(token.Connect(o, kCall()).ok());
    // Plaintext is not served at all.
    milvus::MilvusClient plain;
    milvus::ConnectOptions p;
    p.address = address;
    p.token = "root:Milvus";
    Status refused = plain.Connect(p, kCall());
    EXPECT_TRUE(refused.IsTransport()) << refused.ToString();
    EXPECT_NE(refused.transport_code(), grpc::StatusCode::UNAUTHENTICATED) << "answered over plaintext";
  }
}

TEST_F(HaAuth, UsersChangeEverywhereAndSurviveTheCoordinatorsDeath) {
  const auto proxies = Proxies();
  ASSERT_EQ(proxies.size(), 2u);
  auto admin = Root(proxies[0]);
  ASSERT_TRUE(admin->CreateUser("ha_user", "ha-pass-1", kCall()).ok());
  // Created through proxy 0, accepted by proxy 1 at once (it reads etcd afresh
  // before it refuses).
  EXPECT_TRUE(SignIn(proxies[1], "ha_user", "ha-pass-1").ok());
  auto admin1 = Root(proxies[1]);
  EXPECT_EQ(admin1->ListUsernames(kCall()).value(), (std::vector<std::string>{"ha_user", "root"}));

  ASSERT_TRUE(SignIn(proxies[1], "ha_user", "ha-pass-1").ok());  // proxy 1 now remembers it
  const auto changed = Clock::now();
  ASSERT_TRUE(admin->ResetPassword("ha_user", "ha-pass-1", "ha-pass-2", kCall()).ok());
  EXPECT_TRUE(Refused(SignIn(proxies[0], "ha_user", "ha-pass-1")));  // the proxy that changed it: at once
  EXPECT_TRUE(SignIn(proxies[1], "ha_user", "ha-pass-2").ok());      // the new one: at once everywhere
  // The other proxy refuses the old password once its view is older than 250 ms.
  double window_ms = -1;
  while (Clock::now() - changed < std::chrono::seconds(3)) {
    if (Refused(SignIn(proxies[1], "ha_user", "ha-pass-1"))) {
      window_ms = std::chrono::duration<double, std::milli>(Clock::now() - changed).count();
      break;
    }
  }
  std::printf("old password refused by the other proxy %.0f ms after the reset\n", window_ms);
  ASSERT_GE(window_ms, 0) << "the other proxy still accepted the old password after 3 s";
  EXPECT_LT(window_ms, 1000);

  // The wrong old password does not reset it.
  Status bad_reset = admin->ResetPassword("ha_user", "ha-pass-1", "ha-pass-3", kCall());
  EXPECT_FALSE(bad_reset.ok());
  EXPECT_TRUE(SignIn(proxies[0], "ha_user", "ha-pass-2").ok());

  // The active coordinator dies (no restart until later): the users are in etcd, and
  // the standby manages them once it takes over.
  std::string out;
  ASSERT_EQ(lab_->Cli({"lab", "kill", "-l", "app=milvus-rootcoord", "--mode", "active"}, &out), 0) << out;
  EXPECT_TRUE(SignIn(lab_->front_door(), "ha_user", "ha-pass-2").ok());
  Status created = Status::Internal("not tried");
  for (auto until = Clock::now() + std::chrono::seconds(20); Clock::now() < until;) {
    created = Root(lab_->front_door())->CreateUser("after_failover", "after-pass", kCall());
    if (created.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(created.ok()) << created.ToString();
  EXPECT_TRUE(SignIn(proxies[1], "after_failover", "after-pass").ok());

  ASSERT_TRUE(admin->DeleteUser("ha_user", kCall()).ok());
  EXPECT_TRUE(Refused(SignIn(proxies[0], "ha_user", "ha-pass-2")));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(Refused(SignIn(proxies[1], "ha_user", "ha-pass-2")));
  EXPECT_FALSE(admin->DeleteUser("root", kCall()).ok());
}

TEST_F(HaAuth, TheSuiteRunsWithAUserAndStopsWithoutOne) {
  const std::string dir = lab_->dir() + "/auth-runs";
  const std::string scenario = dir + "/auth.yaml";
  std::filesystem::create_directories(dir);
  std::ofstream(scenario) << "name: auth\n"
                             "tests:\n"
                             "  - name: auth-proxy-kill\n"
                             "    collection: auth_drill\n"
                             "    duration: 12s\n"
                             "    faults:\n"
                             "      - {action: kill, selector: role=proxy, mode: one, at: 4s}\n"
                             "    workload: {search_rate: 10, insert_rate: 10, query_rate: 5, probe_rate: 20}\n";
  auto run = [&](std::vector<std::string> extra, std::string* out) {
    std::vector<std::string> argv = {DrillBinary(), "run",
                                     "--lab-dir",   lab_->dir(),
                                     "--port",      lab_->front_door().substr(lab_->front_door().rfind(':') + 1),
                                     "-f",          scenario,
                                     "--rows",      "500",
                                     "--dim",       "16",
                                     "--out-dir",   dir,
                                     "--json",      dir + "/r.json",
                                     "--no-history"};
    argv.insert(argv.end(), {"--tls", "--ca", Ca()});
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunCapture(argv, out, std::chrono::seconds(180), true);
  };
  auto journal = [&] {
    std::ifstream in(lab_->dir() + "/faults.journal");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::string before = journal();
  std::string out;
  int rc = run({}, &out);
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("--user"), std::string::npos) << "the error should say how to give a user:\n" << out;
  EXPECT_EQ(journal(), before) << "a run that could not sign in injected a fault";

  rc = run({"--user", "root", "--password", "Milvus"}, &out);
  EXPECT_EQ(rc, 0) << out;
  std::ifstream in(dir + "/r.json");
  auto r = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(r.is_discarded()) << out;
  EXPECT_EQ(r["tests"][0]["verdict"], "pass") << out;
  EXPECT_GT(r["tests"][0]["phases"]["phases"]["after"]["all"]["ok"].get<int64_t>(), 0) << out;
}

}  // namespace
}  // namespace mdrill::testing
