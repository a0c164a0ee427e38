// A recording stand-in for command-line tools (kubectl, docker) in tests.
//
// RecordingCli creates a temporary directory holding a small /bin/sh script per tool
// name and puts that directory first in PATH (restored, and the directory removed, on
// destruction). Each invocation of the stand-in appends its argv (separated by the
// ASCII unit separator) to calls.log, saves its stdin to stdin.<n>, and answers with the
// first rule whose shell glob matches "<tool> <args joined by spaces>": the rule's
// stdout, stderr and exit code (no match: exit 0, no output). Nothing real runs.
// Not thread-safe (it changes the process's PATH).
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "drill/nemesis/run_with_input.h"

namespace mdrill::drill::testing {

class RecordingCli {
 public:
  explicit RecordingCli(const std::vector<std::string>& tools) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mdrill-standin-XXXXXX").string();
    char* d = ::mkdtemp(tmpl.data());
    EXPECT_NE(d, nullptr);
    dir_ = tmpl;
    std::filesystem::create_directories(dir_ + "/rules");
    for (const auto& tool : tools) {
      std::string path = dir_ + "/" + tool;
      std::ofstream(path) << Script();
      ::chmod(path.c_str(), 0755);
    }
    const char* path = std::getenv("PATH");
    old_path_ = path != nullptr ? path : "";
    ::setenv("PATH", (dir_ + ":" + old_path_).c_str(), 1);
  }
  ~RecordingCli() {
    ::setenv("PATH", old_path_.c_str(), 1);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RecordingCli(const RecordingCli&) = delete;
  RecordingCli& operator=(const RecordingCli&) = delete;

  // Answers invocations matching `glob` (e.g. "kubectl * get pods *") with `out` on
  // stdout, `err` on stderr and exit code `code`. Earlier rules win.
  void On(const std::string& glob, const std::string& out, int code = 0, const std::string& err = "") {
    char name[16];
    std::snprintf(name, sizeof name, "%04d", rules_++);
    std::string r = dir_ + "/rules/" + name;
    std::filesystem::create_directories(r);
    std::ofstream(r + "/pattern") << glob;
    std::ofstream(r + "/stdout") << out;
    std::ofstream(r + "/stderr") << err;
    std::ofstream(r + "/code") << code;
  }

  // Every invocation so far, in order, as ShellJoin(argv) ("kubectl -n milvus get pods ...").
  std::vector<std::string> Calls() const {
    std::vector<std::string> calls;
    std::ifstream in(dir_ + "/calls.log");
    for (std::string line; std::getline(in, line);) {
      std::vector<std::string> argv;
      std::stringstream fields(line);
      for (std::string f; std::getline(fields, f, '\x1f');) argv.push_back(f);
      calls.push_back(ShellJoin(argv));
    }
    return calls;
  }
  // What invocation `n` (0-based) received on stdin.
  std::string Stdin(size_t n) const {
    std::ifstream in(dir_ + "/stdin." + std::to_string(n + 1));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void ClearCalls() const { std::filesystem::remove(dir_ + "/calls.log"); }
  const std::string& dir() const { return dir_; }

 private:
  // The stand-in: log argv (unit-separated), keep stdin, answer with the first matching rule.
  std::string Script() const {
    return "#!/bin/sh\nD='" + dir_ + "'\n" + R"SH(tool="${0##*/}"
{ printf '%s' "$tool"; for a in "$@"; do printf '\037%s' "$a"; done; printf '\n'; } >> "$D/calls.log"
n=$(( $(wc -l < "$D/calls.log") ))
cat > "$D/stdin.$n"
cmd="$tool $*"
for r in "$D"/rules/*; do
  [ -f "$r/pattern" ] || continue
  pat=$(cat "$r/pattern")
  case "$cmd" in
    $pat) cat "$r/stdout"; cat "$r/stderr" >&2; exit "$(cat "$r/code")";;
  esac
done
exit 0
)SH";
  }

  std::string dir_;
  std::string old_path_;
  int rules_ = 0;
};

}  // namespace mdrill::drill::testing
