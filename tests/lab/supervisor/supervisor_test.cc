// The HA lab through its CLI: `lab up --topology ha` (etcd x3, coordinator x2 under
// the supervisor), status, kill and pause faults with expiry, bad fault requests,
// and `lab down` leaving no process behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "drill/nemesis/lab.h"
#include "lab.grpc.pb.h"
#include "lab/etcd_fixture.h"
#include "lab/supervisor/client.h"
#include "lab/supervisor/peer_owner.h"
#include "testing/server_process.h"

namespace mdrill::testing {
namespace {

namespace rec = ::milvusdrill::lab;
using Clock = std::chrono::steady_clock;

class HaLab : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("halab");
    base_ = FreePortRun(16);
    std::string out;
    auto t0 = Clock::now();
    int rc = Cli({"lab", "up", "--topology", "ha", "--base-port", std::to_string(base_), "--front-door",
                  "127.0.0.1:" + std::to_string(base_ + 15), "--restart-delay", "500"},
                 &out);
    up_seconds_ = std::chrono::duration<double>(Clock::now() - t0).count();
    ASSERT_EQ(rc, 0) << out;
    auto stub = lab::ConnectSupervisor(dir_);
    ASSERT_TRUE(stub.ok()) << stub.status().ToString();
    stub_ = std::move(stub.value());
  }
  void TearDown() override {
    std::string out;
    std::ifstream state(lab::StateFile(dir_));
    auto j = nlohmann::json::parse(state, nullptr, false);
    EXPECT_EQ(Cli({"lab", "down"}, &out), 0) << out;
    // Every component the supervisor ever recorded is gone.
    if (!j.is_discarded()) {
      for (auto& c : j["components"]) {
        if (c["pid"].get<int>() > 0) {
          EXPECT_FALSE(PidAlive(c["pid"].get<int>())) << c["name"] << " still runs";
        }
      }
    }
    EXPECT_FALSE(PidAlive(j.value("supervisor_pid", 0))) << "supervisor still runs";
  }
  int Cli(std::vector<std::string> args, std::string* out) {
    std::vector<std::string> argv = {"sh", "-c", "exec \"$@\" 2>&1", "sh", DrillBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--data-dir");
    argv.push_back(dir_);
    out->clear();
    return RunCapture(argv, out, std::chrono::seconds(60));
  }
  rec::StatusResponse Status() {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    rec::StatusResponse s;
    EXPECT_TRUE(stub_->Status(&ctx, rec::StatusRequest(), &s).ok());
    return s;
  }
  const rec::ComponentStatus* Find(const rec::StatusResponse& s, const std::string& name) {
    for (const auto& c : s.components())
      if (c.name() == name) return &c;
    return nullptr;
  }
  int Count(const rec::StatusResponse& s, const std::string& state) {
    int n = 0;
    for (const auto& c : s.components()) n += c.state() == state;
    return n;
  }
  std::string Active(const rec::StatusResponse& s) {
    for (const auto& c : s.components())
      if (c.state() == "active") return c.name();
    return "";
  }
  std::string dir_;
  int base_ = 0;
  double up_seconds_ = 0;
  std::unique_ptr<rec::Supervisor::Stub> stub_;
};

TEST_F(HaLab, UpStatusKillPauseDown) {
  std::printf("lab up (etcd x3, coordinator x2, querynode x3, proxy x2, haproxy): ready in %.2f s\n", up_seconds_);
  EXPECT_LT(up_seconds_, 20.0);
  auto s = Status();
  ASSERT_EQ(s.components_size(), 3 + 2 + 3 + 2 + 1);
  int healthy_etcd = 0, healthy = 0;
  for (const auto& c : s.components()) {
    healthy += c.healthy();
    if (c.role() == "etcd") healthy_etcd += c.healthy();
    if (c.role() == "coordinator") {
      EXPECT_EQ(c.labels().at("app"), "milvus-rootcoord");
    }
    EXPECT_GT(c.pid(), 0) << c.name();
  }
  EXPECT_EQ(healthy_etcd, 3);
  EXPECT_EQ(healthy, 11);
  EXPECT_EQ(Count(s, "active"), 1);
  EXPECT_EQ(Count(s, "standby"), 1);

  // kill -9 the active coordinator: a coordinator is active again, the killed one restarts.
  std::string victim = Active(s);
  int victim_pid = Find(s, victim)->pid();
  std::string out;
  ASSERT_EQ(Cli({"lab", "kill", "-l", "app=milvus-rootcoord", "--mode", "active"}, &out), 0) << out;
  EXPECT_NE(out.find(victim), std::string::npos) << out;
  auto until = Clock::now() + std::chrono::seconds(15);
  bool recovered = false;
  while (!recovered && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    s = Status();
    const auto* v = Find(s, victim);
    recovered = Count(s, "active") == 1 && Count(s, "standby") == 1 && v->restarts() == 1 && v->pid() != victim_pid;
  }
  EXPECT_TRUE(recovered) << "no single active coordinator with the victim restarted";

  // pause with an expiry: paused now, running again after the deadline without anyone asking.
  ASSERT_EQ(Cli({"lab", "pause", "-l", "app=etcd", "--mode", "one", "--for", "2s"}, &out), 0) << out;
  s = Status();
  EXPECT_EQ(Count(s, "paused"), 1);
  std::string paused;
  for (const auto& c : s.components()) {
    if (c.state() == "paused") paused = c.name();
  }
  int pid = Find(s, paused)->pid();
  std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(st, line);
  EXPECT_NE(line.find(") T "), std::string::npos) << "not stopped: " << line;
  std::this_thread::sleep_for(std::chrono::milliseconds(2600));
  s = Status();
  EXPECT_EQ(Count(s, "paused"), 0);
  EXPECT_EQ(Find(s, paused)->pid(), pid);  // same process, continued
  std::ifstream st2("/proc/" + std::to_string(pid) + "/stat");
  std::getline(st2, line);
  EXPECT_EQ(line.find(") T "), std::string::npos) << "still stopped: " << line;
  std::ifstream journal(lab::FaultJournal(dir_));
  std::string all((std::istreambuf_iterator<char>(journal)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("\"by\":\"expired\""), std::string::npos) << all;
}

TEST_F(HaLab, BadFaultRequestsAreRefusedClearly) {
  std::string out;
  // Logs: listed, readable by component name, a clear error for an unknown one.
  EXPECT_EQ(Cli({"lab", "logs"}, &out), 0) << out;
  EXPECT_NE(out.find("coordinator-0"), std::string::npos) << out;
  EXPECT_NE(out.find("frontdoor"), std::string::npos) << out;
  EXPECT_EQ(Cli({"lab", "logs", "coordinator-1", "-n", "5"}, &out), 0) << out;
  EXPECT_NE(out.find("coordinator coordinator-1: serving on"), std::string::npos) << out;
  EXPECT_EQ(Cli({"lab", "logs", "nosuch"}, &out), 1);
  EXPECT_NE(out.find("no log for component 'nosuch'"), std::string::npos) << out;
  EXPECT_EQ(Cli({"lab", "kill", "-l", "bogus"}, &out), 1);
  EXPECT_NE(out.find("malformed selector"), std::string::npos) << out;
  EXPECT_EQ(Cli({"lab", "kill", "-l", "app=etcd", "--mode", "active"}, &out), 1);
  EXPECT_NE(out.find("coordinators only"), std::string::npos) << out;
  EXPECT_EQ(Cli({"lab", "kill", "-l", "app=nothing"}, &out), 1);
  EXPECT_NE(out.find("no running component"), std::string::npos) << out;
  EXPECT_EQ(Cli({"lab", "pause", "-l", "app=etcd", "--for", "soon"}, &out), 2);
  EXPECT_EQ(Cli({"lab", "pause", "-l", "app=etcd"}, &out), 1);
  EXPECT_NE(out.find("positive duration"), std::string::npos) << out;
  EXPECT_EQ(Cli({"lab", "kill", "-l", "app=etcd", "--mode", "zero"}, &out), 1);
  // Another user on the machine reaches the control port (loopback) but is refused:
  // `nobody`, given the supervisor's address and a copy of the binary in a directory
  // it can read (the build tree may be private to its owner, as a mktemp clone is).
  const std::string shared = TempDir("nobody");
  ::chmod(shared.c_str(), 0755);
  std::filesystem::copy_file(lab::SupervisorAddressFile(dir_), lab::SupervisorAddressFile(shared));
  ::chmod(lab::SupervisorAddressFile(shared).c_str(), 0644);
  const std::string binary = shared + "/milvus-drill";
  std::filesystem::copy_file(DrillBinary(), binary);
  ::chmod(binary.c_str(), 0755);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"kill", "-l", "app=milvus-proxy", "--mode", "all"}, {"status"}}) {
    std::vector<std::string> argv = {
        "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", "exec \"$@\" 2>&1", "sh", binary,
        "lab"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--data-dir", shared});
    EXPECT_NE(RunCapture(argv, &out, std::chrono::seconds(30)), 0) << out;
    EXPECT_NE(out.find("answers only its owner"), std::string::npos) << out;
  }
  // Nothing was harmed by any of it.
  auto s = Status();
  for (const auto& c : s.components()) EXPECT_EQ(c.restarts(), 0) << c.name();
  EXPECT_EQ(Count(s, "active"), 1);
}

// The kernel's socket table as /proc/net/tcp prints it: the owner of the caller's
// end of a loopback connection to the control port.
TEST(PeerOwner, ReadsTheCallersUidFromTheSocketTable) {
  const std::string table =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F:4E21 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n"
      "   1: 0100007F:D431 0100007F:4E21 01 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 20 4 30 10 -1\n"
      "   2: 0100007F:4E21 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1\n"
      "   3: 0200007F:D432 0100007F:4E21 01 00000000:00000000 00:00000000 00000000    33        0 4 1 0 20 4 30 10 "
      "-1\n";
  // 0x4E21 = 20001 (the server), 0xD431 = 54321 (the caller, uid 1000).
  EXPECT_EQ(lab::LoopbackSocketOwner(table, 54321, 20001), std::optional<uid_t>(1000));
  EXPECT_EQ(lab::LoopbackSocketOwner(table, 20001, 54321), std::optional<uid_t>(0));  // the server's own end
  EXPECT_EQ(lab::LoopbackSocketOwner(table, 54322, 20001), std::nullopt);             // 127.0.0.2 is not the caller
  EXPECT_EQ(lab::LoopbackSocketOwner(table, 1, 20001), std::nullopt);
  EXPECT_EQ(lab::LoopbackSocketOwner("", 54321, 20001), std::nullopt);
  // gRPC's dual-stack sockets, in /proc/net/tcp6 with IPv4-mapped addresses.
  const std::string table6 =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
      "tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0000000000000000FFFF00000100007F:4E21 00000000000000000000000000000000:0000 0A 00000000:00000000 "
      "00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n"
      "   1: 0000000000000000FFFF00000100007F:D431 0000000000000000FFFF00000100007F:4E21 01 00000000:00000000 "
      "00:00000000 00000000 65534        0 2 1 0 20 4 30 10 -1\n"
      "   2: 00000000000000000000000001000000:D433 00000000000000000000000001000000:4E21 01 00000000:00000000 "
      "00:00000000 00000000    12        0 2 1 0 20 4 30 10 -1\n";
  EXPECT_EQ(lab::LoopbackSocketOwner(table6, 54321, 20001), std::optional<uid_t>(65534));
  EXPECT_EQ(lab::LoopbackSocketOwner(table6, 54323, 20001), std::nullopt);  // ::1 is not 127.0.0.1
  EXPECT_EQ(lab::CallerUid("ipv6:[::1]:54321", 20001), std::nullopt);
  EXPECT_EQ(lab::CallerUid("ipv4:127.0.0.1:notaport", 20001), std::nullopt);
  EXPECT_EQ(lab::CallerUid("ipv4:127.0.0.1:9999999", 20001), std::nullopt);
}

}  // namespace
}  // namespace mdrill::testing

namespace mdrill::testing {
namespace {

// A supervisor that crashes takes its components with it (they were started with
// PR_SET_PDEATHSIG), paused ones included: nothing keeps running, holding ports or
// a fault, after the lab's owner is gone. `lab up` again brings the lab back whole:
// the fault the dead supervisor left open is healed, and each component's restarts
// go on from the count it had (a crash before the supervisor's is still counted).
TEST_F(HaLab, SupervisorCrashTakesItsComponentsWithItAndLabUpBringsThemBack) {
  std::string out;
  ASSERT_EQ(Cli({"lab", "kill", "-l", "instance=proxy-0"}, &out), 0) << out;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Find(Status(), "proxy-0")->restarts() < 1 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto before = Status();
  ASSERT_EQ(Find(before, "proxy-0")->restarts(), 1);
  ASSERT_EQ(Cli({"lab", "pause", "-l", "app=milvus-querynode", "--mode", "one", "--for", "60s", "--id", "held"}, &out),
            0)
      << out;
  std::ifstream state(lab::StateFile(dir_));
  auto j = nlohmann::json::parse(state, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  const pid_t sup = j.value("supervisor_pid", 0);
  ASSERT_GT(sup, 0);
  std::vector<pid_t> pids;
  for (const auto& c : before.components())
    if (c.pid() > 0) pids.push_back(c.pid());
  ASSERT_GE(pids.size(), 10u);
  ASSERT_EQ(::kill(sup, SIGKILL), 0);
  until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  size_t alive = pids.size();
  while (alive > 0 && std::chrono::steady_clock::now() < until) {
    alive = 0;
    for (pid_t p : pids) alive += PidAlive(p) ? 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(alive, 0u) << "components outlived their supervisor";
  ASSERT_EQ(Cli({"lab", "up", "--topology", "ha", "--base-port", std::to_string(base_), "--front-door",
                 "127.0.0.1:" + std::to_string(base_ + 15), "--restart-delay", "500"},
                &out),
            0)
      << out;
  auto stub = lab::ConnectSupervisor(dir_);
  ASSERT_TRUE(stub.ok()) << stub.status().ToString();
  stub_ = std::move(stub.value());
  auto after = Status();
  EXPECT_EQ(Count(after, "paused"), 0);
  EXPECT_EQ(Count(after, "active"), 1);
  for (const auto& c : after.components()) {
    EXPECT_TRUE(c.healthy() || c.role() == "coordinator") << c.name();
    EXPECT_EQ(c.restarts(), c.name() == "proxy-0" ? 1 : 0) << c.name();
  }
  std::ifstream journal(dir_ + "/faults.journal");
  std::string all((std::istreambuf_iterator<char>(journal)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find(R"("by":"supervisor start","healed_unix_ms")"), std::string::npos) << all;
  // A clean stop marks the state, so the next `lab up` counts from zero.
  ASSERT_EQ(Cli({"lab", "down"}, &out), 0) << out;
  std::ifstream stopped(lab::StateFile(dir_));
  auto s = nlohmann::json::parse(stopped, nullptr, false);
  ASSERT_FALSE(s.is_discarded());
  EXPECT_TRUE(s.value("stopped", false)) << s.dump();
}

// Two faults in force at once, as the soak's companions are: healing one (by its
// id, as the drill's LabNemesis does when its lifetime is over) leaves the other in
// force until its own deadline or heal. Ids are checked: malformed or in force
// twice is refused; a heal of an id no longer open is nothing to do.
TEST_F(HaLab, HealingOneFaultLeavesTheOtherInForce) {
  drill::LabNemesis nemesis(dir_, 7);
  drill::FaultSpec pause_qn;
  pause_qn.action = "pause";
  pause_qn.selector = "instance=querynode-0";
  pause_qn.mode = "all";
  pause_qn.duration = std::chrono::seconds(60);
  drill::FaultSpec pause_proxy = pause_qn;
  pause_proxy.selector = "instance=proxy-1";
  auto first = nemesis.Apply(pause_qn);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = nemesis.Apply(pause_proxy);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  auto s = Status();
  EXPECT_EQ(Find(s, "querynode-0")->state(), "paused");
  EXPECT_EQ(Find(s, "proxy-1")->state(), "paused");
  ASSERT_TRUE(nemesis.Heal(second.value()).ok());
  s = Status();
  EXPECT_EQ(Find(s, "querynode-0")->state(), "paused") << "healing the proxy's pause ended the query node's too";
  EXPECT_NE(Find(s, "proxy-1")->state(), "paused");
  ASSERT_TRUE(nemesis.Heal(second.value()).ok()) << "a second heal is nothing to do";
  std::string out;
  const std::string open_id = first->id + ".querynode-0";
  EXPECT_EQ(Cli({"lab", "pause", "-l", "instance=querynode-1", "--for", "5s", "--id", open_id}, &out), 1);
  EXPECT_NE(out.find("already in force"), std::string::npos) << out;
  EXPECT_EQ(Cli({"lab", "pause", "-l", "instance=querynode-1", "--for", "5s", "--id", "a b"}, &out), 1);
  EXPECT_NE(out.find("a fault id is at most 100"), std::string::npos) << out;
  EXPECT_NE(Find(Status(), "querynode-1")->state(), "paused") << "a refused request changed nothing";
  ASSERT_EQ(Cli({"lab", "heal", "--id", open_id}, &out), 0) << out;
  s = Status();
  EXPECT_EQ(Count(s, "paused"), 0);
  for (const auto& c : s.components()) EXPECT_EQ(c.restarts(), 0) << c.name();
}

}  // namespace
}  // namespace mdrill::testing
