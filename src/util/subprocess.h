// Child processes: start with argv, feed stdin, capture output, signal by pid, wait
// with a deadline.
//
// Every fork/exec of milvus-drill goes through this file. Processes are always
// addressed by the pid fork() returned; nothing is ever looked up or killed by name.
// A Subprocess that is destroyed while its child still runs kills it (SIGKILL) and
// reaps it, so no child outlives its owner's scope; RunCommand and RunCapture kill
// (SIGKILL) and reap theirs at the deadline. Subprocess is not thread-safe; the free
// functions are thread-compatible (no shared state).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "util/status.h"

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
  // to `log_path` when not empty (appended), else are inherited. With
  // `die_with_parent` the kernel SIGKILLs the child when the thread that started it
  // ends (PR_SET_PDEATHSIG), as when this process crashes: start such children from
  // a thread that lives as long as the process. False on failure with `error` set.
  bool Start(const std::vector<std::string>& argv, const std::string& log_path, std::string* error,
             bool die_with_parent = false);

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

// When the process `pid` started, in clock ticks since boot (/proc/PID/stat field
// 22); -1 when there is no such process. A pid and its start time name one process:
// a pid reused later has another start time.
int64_t ProcessStartTicks(pid_t pid);

// How RunCommand connects the child's standard streams.
struct CommandOptions {
  // Written to the child's stdin through a memfd (no pipe: no SIGPIPE and no deadlock
  // when the child does not read it). Empty: stdin is /dev/null, or this process's
  // stdin when `inherit_stdin`.
  std::string input;
  bool inherit_stdin = false;
  // Where the child's stderr goes: captured apart (CommandOutput::err), into the
  // stdout capture (CommandOutput::out), or this process's stderr.
  enum class Stderr { kCapture, kToStdout, kInherit };
  Stderr stderr_to = Stderr::kCapture;
  // After the child exits, how long to keep reading pipes that a grandchild it left
  // behind still holds open (what is already in them is read either way).
  std::chrono::milliseconds linger{200};
  // When argv[0] cannot be executed, write "exec <argv[0]>: <reason>" to the child's
  // stderr. The exit code is 127 either way.
  bool report_exec_failure = true;
  // The child's nice value, set as soon as it is started (0: this process's). What
  // only observes (a census) runs at 19, so that on a small client machine it takes
  // no CPU from the probes measuring the target.
  int niceness = 0;
};

// What a command that ran to completion left.
struct CommandOutput {
  int exit_code = -1;  // the exit status; 128+N when killed by signal N
  std::string out;     // stdout
  std::string err;     // stderr, when CommandOptions::stderr_to is kCapture
};

// Runs argv[0] (searched in PATH) with argv[1..] until it exits, its streams set up
// as `options` says. Returns its output whatever the exit code (127 when argv[0]
// cannot be executed). Errors: InvalidArgument for an empty argv; Internal when the
// stdin memfd, pipes, fork or poll fail; Transport(4 = DEADLINE_EXCEEDED) when it
// still runs at `timeout` (it is then killed; what it did may or may not have taken
// effect). The reason names the command as ShellJoin(argv).
Result<CommandOutput> RunCommand(const std::vector<std::string>& argv, const CommandOptions& options,
                                 std::chrono::milliseconds timeout);

// Runs a command to completion with this process's stdin, capturing stdout (and
// stderr too when `merge_stderr`, else stderr is inherited); returns the exit code
// (127 when argv[0] cannot be executed), or -1 when it could not be started, was
// killed by a signal, or was killed at `timeout`.
int RunCapture(const std::vector<std::string>& argv, std::string* out, std::chrono::milliseconds timeout,
               bool merge_stderr = false);

// This process's executable, to run it again (`lab down` from `run`): its path, or
// "/proc/self/exe" when the file was replaced or removed since the process started
// (the path then names another file, or none; the kernel still has this one).
std::string SelfExecutable();

// argv as a shell would need it typed: words with characters outside
// [A-Za-z0-9_./=:,@%+-] are single-quoted. For messages and plans only; nothing runs a shell.
std::string ShellJoin(const std::vector<std::string>& argv);

}  // namespace mdrill
