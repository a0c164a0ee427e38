// Running a command-line tool with input on stdin, capturing stdout and stderr.
//
// util/subprocess.h's RunCapture keeps stdout only and gives the child no input; the
// nemesis backends need both (`kubectl apply -f -` reads a manifest from stdin, and a
// failed kubectl explains itself on stderr), hence this separate helper. The child is
// addressed by the pid fork() returned, killed (SIGKILL) and reaped at the deadline.
// Thread-compatible: no shared state.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "util/status.h"

namespace mdrill::drill {

// One invocation of a tool, without the binary: {"-n", "milvus", "get", "pods", ...}.
// `input` is written to the tool's stdin (empty: stdin is /dev/null).
struct Command {
  std::vector<std::string> args;
  std::string input;
  bool operator==(const Command&) const = default;
};

struct CommandOutput {
  int exit_code = -1;  // the exit status; 128+N when killed by signal N
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs argv[0] (searched in PATH) with argv[1..], `input` on stdin, until it exits.
// Returns its output whatever the exit code (127 and "exec ...: <reason>" on stderr when
// argv[0] cannot be executed). Errors: InvalidArgument for an empty argv, Internal when
// pipes or fork fail, Transport(4 = DEADLINE_EXCEEDED) when it is still running at
// `timeout` (it is then killed; what it did may or may not have taken effect).
Result<CommandOutput> RunWithInput(const std::vector<std::string>& argv, const std::string& input,
                                   std::chrono::milliseconds timeout);

// argv as a shell would need it typed: words with characters outside
// [A-Za-z0-9_./=:,@%+-] are single-quoted. For messages and plans only; nothing runs a shell.
std::string ShellJoin(const std::vector<std::string>& argv);

}  // namespace mdrill::drill
