// When may the proxy send a write to a coordinator again? Only when the first try
// provably never reached it. Real gRPC calls: to a closed port (never sent: retry),
// and to a listener that reads the request and then drops the connection (it may
// have executed: no retry).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "lab.grpc.pb.h"
#include "lab/ha/proxy.h"
#include "testing/server_process.h"

namespace mdrill::lab {
namespace {

namespace rec = ::milvusdrill::lab;

grpc::Status CallAlloc(int port) {
  auto stub = rec::Coordinator::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  rec::AllocRequest req;
  req.set_count(1);
  rec::AllocResponse resp;
  return stub->AllocIds(&ctx, req, &resp);
}

TEST(ProxyRetry, ConnectionRefusedWasNeverSent) {
  int port = testing::FreePort();  // nothing listens there
  grpc::Status g = CallAlloc(port);
  ASSERT_EQ(g.error_code(), grpc::StatusCode::UNAVAILABLE) << g.error_message();
  EXPECT_TRUE(ProvablyNotSent(g.error_code(), g.error_message())) << g.error_message();
}

TEST(ProxyRetry, ConnectionDroppedAfterTheRequestMayHaveExecuted) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  std::atomic<size_t> received{0};
  std::thread server([&] {
    // Accepts, completes the HTTP/2 handshake from its side (an empty SETTINGS
    // frame, so the client's transport is ready and it sends the call), reads what
    // the client sends (its preface, settings and the request), then closes without
    // answering: the request arrived, the reply never does.
    int c = ::accept(fd, nullptr, nullptr);
    if (c < 0) return;
    const char settings[9] = {0, 0, 0, 4, 0, 0, 0, 0, 0};
    (void)::send(c, settings, sizeof settings, MSG_NOSIGNAL);
    char buf[4096];
    timeval tv{0, 300000};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssize_t n;
    while ((n = ::recv(c, buf, sizeof buf, 0)) > 0) received += static_cast<size_t>(n);
    ::close(c);
  });
  grpc::Status g = CallAlloc(port);
  server.join();
  ::close(fd);
  EXPECT_GT(received.load(), 24u + 9u + 9u) << "the request never reached the listener";
  EXPECT_NE(g.error_code(), grpc::StatusCode::OK);
  std::printf("dropped mid-call: code %d, \"%s\"\n", g.error_code(), g.error_message().c_str());
  EXPECT_FALSE(ProvablyNotSent(g.error_code(), g.error_message()))
      << "code " << g.error_code() << ": " << g.error_message();
}

TEST(ProxyRetry, OnlyUnavailableConnectFailuresQualify) {
  EXPECT_FALSE(ProvablyNotSent(grpc::StatusCode::DEADLINE_EXCEEDED, "failed to connect"));
  EXPECT_FALSE(ProvablyNotSent(grpc::StatusCode::UNAVAILABLE, "Socket closed"));
  EXPECT_FALSE(ProvablyNotSent(grpc::StatusCode::UNAVAILABLE, "Connection reset by peer"));
  EXPECT_TRUE(ProvablyNotSent(grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses"));
}

}  // namespace
}  // namespace mdrill::lab
