#include "testing/server_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "testing/ports.h"
#include "testing/temp_dirs.h"

namespace mdrill::testing {

std::string DrillBinary() {
  const char* bin = std::getenv("MDRILL_BIN");
  return bin != nullptr ? bin : "./milvus-drill";
}

int FreePort() {
  if (int p = FreePortRun(1); p != 0) return p;
  // No room below the ephemeral range on this machine: one the kernel assigns.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string TempDir(const std::string& tag) {
  std::string tmpl = "/tmp/mdrill-" + tag + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  char* dir = ::mkdtemp(buf.data());
  if (dir == nullptr) return "";
  RemoveAtExit(dir);
  return dir;
}

ServerProcess::ServerProcess(std::string data_dir, std::vector<std::string> extra_args)
    : data_dir_(data_dir.empty() ? TempDir("server") : std::move(data_dir)), extra_(std::move(extra_args)) {}

ServerProcess::~ServerProcess() { proc_.Stop(std::chrono::milliseconds(2000)); }

bool ServerProcess::Start(std::string* error) {
  if (port_ == 0) port_ = FreePort();  // a restart keeps its address
  std::vector<std::string> argv = {DrillBinary(),  "lab",      "up",      "--topology", "standalone",
                                   "--foreground", "--listen", address(), "--data-dir", data_dir_};
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  if (!proc_.Start(argv, data_dir_ + "/server.log", error)) return false;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    if (!proc_.running()) {
      *error = "server exited early; see " + data_dir_ + "/server.log";
      return false;
    }
    milvus::MilvusClient c;
    milvus::ConnectOptions o;
    o.address = address();
    o.user = "root";
    o.password = "Milvus";
    o.tls = tls();
    o.ca_file = ca_file();
    if (c.Connect(o, milvus::Deadline(300)).ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *error = "server did not answer within 20 s";
  return false;
}

void ServerProcess::Kill9() { proc_.Stop(std::chrono::milliseconds(0)); }

void ServerProcess::Stop() { proc_.Stop(std::chrono::milliseconds(3000)); }

}  // namespace mdrill::testing
