// An outage the client did not cause: the server is killed and started again on
// the same address. How soon after it serves again does each client profile get
// an answer? The drill's (kFast) must be back within a few hundred ms whatever it
// went through while the server was down; gRPC's defaults (kSdkDefault, what the
// SDKs run) may wait out a backoff of a second or more, which is what an RTO
// measured through such a client would include.
#include <gtest/gtest.h>

#include <thread>

#include "lab/flow_helpers.h"
#include "testing/server_process.h"

namespace mdrill::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Calls GetVersion every 10 ms until one succeeds; the time it succeeded.
Clock::time_point FirstAnswer(milvus::MilvusClient* c, Clock::time_point give_up) {
  while (Clock::now() < give_up) {
    if (c->GetVersion(milvus::Deadline(200)).ok()) return Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return give_up;
}

TEST(Reconnect, FastProfileIsBackWithinAFewHundredMilliseconds) {
  ServerProcess server;
  std::string err;
  ASSERT_TRUE(server.Start(&err)) << err;
  milvus::MilvusClient fast, sdk;
  milvus::ConnectOptions o;
  o.address = server.address();
  ASSERT_TRUE(fast.Connect(o, kCall).ok());
  o.reconnect = milvus::ReconnectProfile::kSdkDefault;
  ASSERT_TRUE(sdk.Connect(o, kCall).ok());

  server.Kill9();
  // Both clients keep trying while the server is down, as an application would.
  auto down_until = Clock::now() + std::chrono::milliseconds(2500);
  while (Clock::now() < down_until) {
    EXPECT_FALSE(fast.GetVersion(milvus::Deadline(100)).ok());
    (void)sdk.GetVersion(milvus::Deadline(100));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(server.Start(&err)) << err;  // returns once a fresh client is answered
  auto back = Clock::now();
  std::thread sdk_probe;
  Clock::time_point sdk_at;
  sdk_probe = std::thread([&] { sdk_at = FirstAnswer(&sdk, back + std::chrono::seconds(10)); });
  auto fast_at = FirstAnswer(&fast, back + std::chrono::seconds(10));
  sdk_probe.join();
  auto ms = [&](Clock::time_point t) { return std::chrono::duration<double, std::milli>(t - back).count(); };
  std::printf("server back; first answer: drill's client %.0f ms later, SDK-default client %.0f ms later\n",
              ms(fast_at), ms(sdk_at));
  EXPECT_LT(ms(fast_at), 300);
}

}  // namespace
}  // namespace mdrill::testing
