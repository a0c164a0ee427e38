#include "testing/outage_forwarder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

#include "util/subprocess.h"

namespace mdrill::testing {

using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kNftTable = "mdrill_calibration";

int ListenOn(int port, std::string* error) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4096) != 0) {
    *error = std::string("listen on 127.0.0.1:") + std::to_string(port) + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

int ConnectTo(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

Status Nft(const std::string& script) {
  std::string out;
  int rc = RunCapture({"nft", script}, &out, std::chrono::seconds(10), true);
  if (rc != 0) return Status::Internal("nft '" + script + "' failed (" + std::to_string(rc) + "): " + out);
  return Status::OK();
}

}  // namespace

const char* OutageKindName(OutageKind kind) {
  switch (kind) {
    case OutageKind::kRefused:
      return "refused";
    case OutageKind::kStalled:
      return "stalled";
    case OutageKind::kBlackholed:
      return "blackholed";
    case OutageKind::kSlowed:
      return "slowed";
  }
  return "refused";
}

bool ParseOutageKind(const std::string& name, OutageKind* kind) {
  for (OutageKind k : {OutageKind::kRefused, OutageKind::kStalled, OutageKind::kBlackholed, OutageKind::kSlowed}) {
    if (name == OutageKindName(k)) {
      *kind = k;
      return true;
    }
  }
  return false;
}

// One forwarded connection: bytes in each direction wait in a queue until their
// release time (now, or later while slowed).
struct OutageForwarder::Conn {
  struct Chunk {
    Clock::time_point release;
    std::string bytes;
    size_t sent = 0;
  };
  struct Direction {
    std::deque<Chunk> queue;
    bool eof = false;       // the source closed: shut the sink's write side once flushed
    bool shut = false;      // done
    bool want_out = false;  // the sink's buffer was full
  };
  int client = -1, backend = -1;
  Direction up, down;  // up: client to backend
};

struct OutageForwarder::Command {
  OutageKind kind = OutageKind::kRefused;
  std::chrono::milliseconds length{0};
  bool done = false;
  Status status;
};

OutageForwarder::OutageForwarder(std::string backend_host, int backend_port, std::chrono::milliseconds slow_delay)
    : backend_host_(std::move(backend_host)), backend_port_(backend_port), slow_delay_(slow_delay) {}

OutageForwarder::~OutageForwarder() { Stop(); }

Status OutageForwarder::Start(int port, int control_port) {
  port_ = port;
  control_port_ = control_port;
  std::string error;
  control_fd_ = ListenOn(control_port, &error);
  if (control_fd_ < 0) return Status::Internal(error);
  listen_fd_ = ListenOn(port, &error);
  if (listen_fd_ < 0) return Status::Internal(error);
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the wake fd
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  ev.data.ptr = &listen_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  loop_ = std::thread([this] { Loop(); });
  control_ = std::thread([this] { ControlLoop(); });
  return Status::OK();
}

void OutageForwarder::Wake() {
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void OutageForwarder::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || epoll_fd_ < 0) return;
    stopping_ = true;
  }
  cv_.notify_all();
  Wake();
  if (loop_.joinable()) loop_.join();
  if (control_.joinable()) control_.join();
  for (auto& c : conns_) CloseConn(c.get(), false);
  conns_.clear();
  for (int* fd : {&control_fd_, &listen_fd_, &epoll_fd_, &wake_fd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  (void)Nft(std::string("delete table inet ") + kNftTable);  // absent unless a black hole ran
}

bool OutageForwarder::Held() const {
  return running_ && (kind_ == OutageKind::kStalled || kind_ == OutageKind::kBlackholed);
}

void OutageForwarder::Loop() {
  std::vector<epoll_event> events(256);
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
      if (pending_ != nullptr) {
        RunCommand(pending_);
        pending_ = nullptr;
        cv_.notify_all();
      }
    }
    Clock::time_point now = Clock::now();
    if (running_ && now >= end_) EndOutage();
    // Sleep until the next release, the outage's end, or something to do.
    Clock::time_point next = now + std::chrono::milliseconds(50);
    if (running_) next = std::min(next, end_);
    for (auto& c : conns_)
      for (auto* d : {&c->up, &c->down})
        if (!d->queue.empty() && !Held()) next = std::min(next, d->queue.front().release);
    int timeout_ms = static_cast<int>(
        std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(next - now).count() + 999) / 1000);
    if (Held()) {
      // No byte moves and nothing is accepted: wait for the end or a command only.
      pollfd p{wake_fd_, POLLIN, 0};
      ::poll(&p, 1, timeout_ms);
      uint64_t v;
      (void)!::read(wake_fd_, &v, sizeof v);
      continue;
    }
    int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout_ms);
    for (int i = 0; i < n; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == nullptr) {
        uint64_t v;
        (void)!::read(wake_fd_, &v, sizeof v);
      } else if (tag == &listen_fd_) {
        AcceptAll();
      } else {
        // data.ptr is &conn->up or &conn->down's owner: the Conn, with the fd in u64 below.
        Conn* c = static_cast<Conn*>(tag);
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
          ReadFrom(c, true);
          ReadFrom(c, false);
        }
      }
    }
    for (auto& c : conns_) Flush(c.get());
    conns_.erase(std::remove_if(conns_.begin(), conns_.end(),
                                [this](const std::unique_ptr<Conn>& c) {
                                  if (!(c->up.shut && c->down.shut)) return false;
                                  CloseConn(c.get(), false);
                                  return true;
                                }),
                 conns_.end());
  }
}

void OutageForwarder::AcceptAll() {
  while (listen_fd_ >= 0) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_unique<Conn>();
    c->client = fd;
    c->backend = ConnectTo(backend_host_, backend_port_);
    if (c->backend < 0) {
      ::close(fd);
      continue;
    }
    ::fcntl(c->backend, F_SETFL, ::fcntl(c->backend, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = c.get();
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c->client, &ev);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c->backend, &ev);
    conns_.push_back(std::move(c));
  }
}

void OutageForwarder::ReadFrom(Conn* c, bool upstream) {
  Conn::Direction& d = upstream ? c->up : c->down;
  const int from = upstream ? c->client : c->backend;
  if (d.eof || d.shut) return;
  char buf[64 * 1024];
  while (true) {
    ssize_t n = ::recv(from, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      d.eof = true;
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, from, nullptr);
      return;
    }
    Clock::time_point now = Clock::now();
    Clock::time_point release = now;
    if (running_ && kind_ == OutageKind::kSlowed) release = std::min(now + slow_delay_, end_);
    // In order: never before the chunk ahead of it.
    if (!d.queue.empty()) release = std::max(release, d.queue.back().release);
    d.queue.push_back({release, std::string(buf, static_cast<size_t>(n)), 0});
  }
}

void OutageForwarder::Flush(Conn* c) {
  for (bool upstream : {true, false}) {
    Conn::Direction& d = upstream ? c->up : c->down;
    const int to = upstream ? c->backend : c->client;
    const Clock::time_point now = Clock::now();
    while (!d.shut && !d.queue.empty() && d.queue.front().release <= now) {
      Conn::Chunk& ch = d.queue.front();
      ssize_t w = ::send(to, ch.bytes.data() + ch.sent, ch.bytes.size() - ch.sent, MSG_NOSIGNAL);
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;  // retried on the next turn
      if (w <= 0) {
        d.shut = true;
        d.queue.clear();
        break;
      }
      ch.sent += static_cast<size_t>(w);
      if (ch.sent == ch.bytes.size()) d.queue.pop_front();
    }
    if (d.eof && d.queue.empty() && !d.shut) {
      ::shutdown(to, SHUT_WR);
      d.shut = true;
    }
  }
}

void OutageForwarder::CloseConn(Conn* c, bool reset) {
  if (reset) {
    linger l{1, 0};
    ::setsockopt(c->client, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  for (int fd : {c->client, c->backend}) {
    if (fd < 0) continue;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
  }
  c->client = c->backend = -1;
}

// Runs with mu_ held, on the loop thread.
void OutageForwarder::RunCommand(Command* cmd) {
  if (running_) {
    cmd->status = Status::Internal("an outage is already running");
    cmd->done = true;
    return;
  }
  Clock::time_point before = Clock::now();
  if (cmd->kind == OutageKind::kRefused) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
    ::close(listen_fd_);
    listen_fd_ = -1;
    for (auto& c : conns_) CloseConn(c.get(), true);
    conns_.clear();
  } else if (cmd->kind == OutageKind::kBlackholed) {
    const std::string t = std::string("inet ") + kNftTable;
    const std::string p = std::to_string(port_);
    cmd->status = Nft("add table " + t + "; add chain " + t + " in { type filter hook input priority 0 ; policy " +
                      "accept ; }; add rule " + t + " in tcp dport " + p + " drop; add rule " + t + " in tcp sport " +
                      p + " drop");
  }
  // The action took effect somewhere in [before, now]: the middle is the start.
  OutageRecord rec;
  rec.kind = cmd->kind;
  rec.start = before + (Clock::now() - before) / 2;
  if (cmd->status.ok()) {
    running_ = true;
    active_ = true;
    kind_ = cmd->kind;
    end_ = rec.start + cmd->length;
    records_.push_back(rec);
  }
  cmd->done = true;
}

void OutageForwarder::EndOutage() {
  Clock::time_point before = Clock::now();
  Status s;
  if (kind_ == OutageKind::kRefused) {
    std::string error;
    listen_fd_ = ListenOn(port_, &error);
    if (listen_fd_ < 0) s = Status::Internal(error);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &listen_fd_;
    if (s.ok()) ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  } else if (kind_ == OutageKind::kBlackholed) {
    s = Nft(std::string("delete table inet ") + kNftTable);
  }
  running_ = false;
  std::lock_guard<std::mutex> lock(mu_);
  records_.back().end = s.ok() ? before + (Clock::now() - before) / 2 : records_.back().start;
  active_ = false;
  cv_.notify_all();
}

Status OutageForwarder::BeginOutage(OutageKind kind, std::chrono::milliseconds length) {
  Command cmd;
  cmd.kind = kind;
  cmd.length = length;
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return Status::Internal("the forwarder is stopping");
  if (active_ || pending_ != nullptr) return Status::Internal("an outage is already running");
  pending_ = &cmd;
  Wake();
  cv_.wait(lock, [&] { return cmd.done || stopping_; });
  if (!cmd.done) {
    pending_ = nullptr;
    return Status::Internal("the forwarder is stopping");
  }
  return cmd.status;
}

std::vector<OutageRecord> OutageForwarder::Outages(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return !active_; });
  return records_;
}

void OutageForwarder::ControlLoop() {
  while (true) {
    pollfd p{control_fd_, POLLIN, 0};
    int r = ::poll(&p, 1, 20);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    if (r <= 0) continue;
    int fd = ::accept4(control_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::string line;
    char c = 0;
    while (line.size() < 200 && ::recv(fd, &c, 1, 0) == 1 && c != '\n') line += c;
    std::string answer = "bad request\n";
    auto space = line.find(' ');
    OutageKind kind;
    if (space != std::string::npos && ParseOutageKind(line.substr(0, space), &kind)) {
      Status s = BeginOutage(kind, std::chrono::milliseconds(std::atoll(line.c_str() + space + 1)));
      answer = s.ok() ? "ok\n" : s.reason() + "\n";
    }
    WriteAll(fd, answer.data(), answer.size());
    ::close(fd);
  }
}

}  // namespace mdrill::testing
