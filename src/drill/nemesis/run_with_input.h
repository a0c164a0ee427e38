// Running a nemesis backend's command-line tool (kubectl, docker, milvus-drill lab)
// with input on stdin, capturing stdout and stderr.
//
// A thin layer over util/subprocess.h, which does the process work (fork, exec,
// pipes, the stdin memfd, the deadline, kill by pid): this adds the backends' step
// (Command) and keeps the drill's names for the shared pieces. Thread-compatible: no
// shared state.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "util/status.h"
#include "util/subprocess.h"

namespace mdrill::drill {

// One invocation of a tool, without the binary: {"-n", "milvus", "get", "pods", ...}.
// `input` is written to the tool's stdin (empty: stdin is /dev/null).
struct Command {
  std::vector<std::string> args;
  std::string input;
  bool operator==(const Command&) const = default;
};

// exit_code (128+N when killed by signal N), stdout, stderr: see util/subprocess.h.
using ::mdrill::CommandOutput;
// argv quoted as a shell would need it typed, for messages and plans: see util/subprocess.h.
using ::mdrill::ShellJoin;

// Runs argv[0] (searched in PATH) with argv[1..], `input` on stdin, until it exits.
// Returns its output whatever the exit code (127 and "exec ...: <reason>" on stderr when
// argv[0] cannot be executed). Errors: InvalidArgument for an empty argv, Internal when
// pipes or fork fail, Transport(4 = DEADLINE_EXCEEDED) when it is still running at
// `timeout` (it is then killed; what it did may or may not have taken effect).
Result<CommandOutput> RunWithInput(const std::vector<std::string>& argv, const std::string& input,
                                   std::chrono::milliseconds timeout);
// The same at nice 19: for commands that only look (the censuses), which may run
// while the probes measure a recovery.
Result<CommandOutput> RunToLook(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace mdrill::drill
