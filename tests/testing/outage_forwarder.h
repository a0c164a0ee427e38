// A TCP forwarder that makes outages of a known kind and length, for calibrating
// the drill's RTO against outages it did not cause itself.
//
// It listens on 127.0.0.1:<port> and forwards every connection to a backend.
// An outage, started by BeginOutage or a line "<kind> <milliseconds>\n" on the
// control port (answered "ok\n" once the outage has begun), is one of:
//   refused     the listener is closed (a connect is refused) and open
//               connections are reset;
//   stalled     no byte moves either way and nothing new is accepted; the
//               connections stay and resume afterwards;
//   blackholed  packets to and from the port are dropped (nftables, in the
//               network namespace the caller runs in: a SYN goes unanswered,
//               as in a partition);
//   slowed      every byte read during the outage is held `slow_delay` before
//               it is passed on (at most until the outage ends).
// Each outage records its true start and end on the steady clock, taken after
// the action that starts or ends it has taken effect.
//
// Thread-safe. The blackholed kind needs root and `nft`; run it only inside a
// network namespace of the test's own (it adds a table `mdrill_calibration`).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "util/status.h"

namespace mdrill::testing {

enum class OutageKind { kRefused, kStalled, kBlackholed, kSlowed };
const char* OutageKindName(OutageKind kind);
bool ParseOutageKind(const std::string& name, OutageKind* kind);

struct OutageRecord {
  OutageKind kind = OutageKind::kRefused;
  std::chrono::steady_clock::time_point start, end;
  double seconds() const { return std::chrono::duration<double>(end - start).count(); }
};

class OutageForwarder {
 public:
  OutageForwarder(std::string backend_host, int backend_port,
                  std::chrono::milliseconds slow_delay = std::chrono::milliseconds(400));
  ~OutageForwarder();
  OutageForwarder(const OutageForwarder&) = delete;
  OutageForwarder& operator=(const OutageForwarder&) = delete;

  // Listens on 127.0.0.1:port (forwarding) and 127.0.0.1:control_port (control).
  Status Start(int port, int control_port);
  void Stop();

  // Starts an outage and returns once it has taken effect; it ends by itself
  // after `length`. An outage already running is refused.
  Status BeginOutage(OutageKind kind, std::chrono::milliseconds length);
  // Waits (up to `timeout`) until no outage is running, then lists those recorded.
  std::vector<OutageRecord> Outages(std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  struct Conn;
  struct Command;
  void Loop();
  bool Held() const;  // stalled or black-holed right now (loop thread)
  void AcceptAll();
  void ReadFrom(Conn* c, bool upstream);
  void Flush(Conn* c);
  void CloseConn(Conn* c, bool reset);
  void RunCommand(Command* cmd);
  void EndOutage();
  void ControlLoop();
  void Wake();

  const std::string backend_host_;
  const int backend_port_;
  const std::chrono::milliseconds slow_delay_;
  int port_ = 0, control_port_ = 0;
  int control_fd_ = -1, listen_fd_ = -1, epoll_fd_ = -1, wake_fd_ = -1;
  std::thread loop_, control_;

  std::mutex mu_;  // guards the fields below, shared with callers
  std::condition_variable cv_;
  bool stopping_ = false;
  Command* pending_ = nullptr;  // BeginOutage's request to the loop
  bool active_ = false;
  std::vector<OutageRecord> records_;

  // Loop thread only.
  OutageKind kind_ = OutageKind::kRefused;
  bool running_ = false;  // an outage is in effect
  std::chrono::steady_clock::time_point end_;
  std::vector<std::unique_ptr<Conn>> conns_;
};

}  // namespace mdrill::testing
