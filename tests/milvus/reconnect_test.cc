// An outage the client did not cause: the server is killed and started again on
// the same address. How soon after it serves again does each client get an
// answer? The drill's (kFast, its own connection, replaced after a transport
// failure as the workload does) must be back within a few hundred ms whatever it
// went through while the server was down; gRPC's defaults (kSdkDefault, what the
// SDKs run) may wait out a backoff of a second or more, which is what an RTO
// measured through such a client would include. A kFast channel left alone is
// measured too: its figure is printed, not asserted (gRPC's own reconnect timing).
#include <gtest/gtest.h>

#include <thread>

#include "lab/flow_helpers.h"
#include "testing/server_process.h"

namespace mdrill::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Calls GetVersion every 10 ms until one succeeds; the time it succeeded. With
// `renew`, a call that failed in transport is followed by a new connection, as
// the drill's workload does.
Clock::time_point FirstAnswer(milvus::MilvusClient* c, Clock::time_point give_up,
                              const milvus::ConnectOptions* renew = nullptr) {
  bool connected = true;
  while (Clock::now() < give_up) {
    Status s = connected ? Status::OK() : c->Connect(*renew, milvus::Deadline(200));
    connected = s.ok();
    if (s.ok()) s = c->GetVersion(milvus::Deadline(200)).status();
    if (s.ok()) return Clock::now();
    if (renew != nullptr && s.IsTransport()) connected = false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return give_up;
}

TEST(Reconnect, FastProfileIsBackWithinAFewHundredMilliseconds) {
  ServerProcess server;
  std::string err;
  ASSERT_TRUE(server.Start(&err)) << err;
  milvus::MilvusClient fast, alone, sdk;
  milvus::ConnectOptions o;
  o.address = server.address();
  const milvus::ConnectOptions fast_options = o;
  ASSERT_TRUE(fast.Connect(o, kCall).ok());
  ASSERT_TRUE(alone.Connect(o, kCall).ok());
  o.reconnect = milvus::ReconnectProfile::kSdkDefault;
  ASSERT_TRUE(sdk.Connect(o, kCall).ok());

  server.Kill9();
  // Both clients keep trying while the server is down, as an application would.
  auto down_until = Clock::now() + std::chrono::milliseconds(2500);
  while (Clock::now() < down_until) {
    EXPECT_FALSE(fast.GetVersion(milvus::Deadline(100)).ok());
    (void)alone.GetVersion(milvus::Deadline(100));
    (void)sdk.GetVersion(milvus::Deadline(100));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(server.Start(&err)) << err;  // returns once a fresh client is answered
  auto back = Clock::now();
  Clock::time_point sdk_at, alone_at;
  std::thread sdk_probe([&] { sdk_at = FirstAnswer(&sdk, back + std::chrono::seconds(10)); });
  std::thread alone_probe([&] { alone_at = FirstAnswer(&alone, back + std::chrono::seconds(10)); });
  auto fast_at = FirstAnswer(&fast, back + std::chrono::seconds(10), &fast_options);
  sdk_probe.join();
  alone_probe.join();
  auto ms = [&](Clock::time_point t) { return std::chrono::duration<double, std::milli>(t - back).count(); };
  std::printf(
      "server back; first answer: drill's client %.0f ms later, a kFast channel left alone %.0f ms, "
      "SDK-default client %.0f ms later\n",
      ms(fast_at), ms(alone_at), ms(sdk_at));
  EXPECT_LT(ms(fast_at), 300);
}

}  // namespace
}  // namespace mdrill::testing
