// Child processes: start with argv, signal by pid, wait with a deadline.
//
// Processes are always addressed by the pid this class got from fork(); nothing is
// ever looked up or killed by name. A Subprocess that is destroyed while its child
// still runs kills it (SIGKILL) and reaps it, so no child outlives its owner's
// scope. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace mdrill {

class Subprocess {
 public:
  Subprocess() = default;
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  Subprocess(Subprocess&& o) noexcept;
  Subprocess& operator=(Subprocess&& o) noexcept;

  // Starts argv[0] (searched in PATH) with the given arguments; stdout and stderr go
  // to `log_path` when not empty (appended), else are inherited. False on failure
  // with `error` set.
  bool Start(const std::vector<std::string>& argv, const std::string& log_path, std::string* error);

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `sig` to the child; false when it is not running.
  bool Signal(int sig);
  // Waits up to `timeout` for the child to exit; true when it did. The exit status
  // (as from waitpid) is kept in status().
  bool Wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`; always reaps.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
  int status() const { return status_; }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
};

// True when `pid` exists and is not a zombie (an exited child nobody reaped yet).
bool PidAlive(pid_t pid);

// Runs a command to completion, capturing stdout (and stderr too when
// `merge_stderr`); returns the exit code, or -1 when it could not run or was
// killed at `timeout`.
int RunCapture(const std::vector<std::string>& argv, std::string* out,
               std::chrono::milliseconds timeout, bool merge_stderr = false);

}  // namespace mdrill
