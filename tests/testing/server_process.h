// Starts the real milvus-drill standalone server as a child process for a test:
// a free loopback port, a fresh data directory, stopped (by pid) when destroyed.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "milvus/client.h"
#include "util/subprocess.h"

namespace mdrill::testing {

// Path of the milvus-drill binary (MDRILL_BIN, set by CTest).
std::string DrillBinary();
// A TCP port on 127.0.0.1, below the ephemeral range, that was free a moment ago.
int FreePort();
// A new empty directory under /tmp, removed when the program exits
// (testing/temp_dirs.h; MDRILL_KEEP_TEST_DIRS=1 keeps it).
std::string TempDir(const std::string& tag);

class ServerProcess {
 public:
  // Does not start anything; `data_dir` empty means a fresh temporary directory.
  explicit ServerProcess(std::string data_dir = "", std::vector<std::string> extra_args = {});
  ~ServerProcess();

  // Starts the server and waits until it answers Connect (up to 20 s). A restart
  // (Start after Kill9 or Stop) listens on the same address.
  bool Start(std::string* error);
  void Kill9();  // SIGKILL, then reap
  void Stop();   // SIGTERM, then reap

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& data_dir() const { return data_dir_; }
  Subprocess& process() { return proc_; }
  // Started with --tls: clients trust the certificate the lab made in its data dir.
  bool tls() const { return std::find(extra_.begin(), extra_.end(), "--tls") != extra_.end(); }
  std::string ca_file() const { return tls() ? data_dir_ + "/tls/server.pem" : ""; }

 private:
  std::string data_dir_;
  std::vector<std::string> extra_;
  int port_ = 0;
  Subprocess proc_;
};

}  // namespace mdrill::testing
