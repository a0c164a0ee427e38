#include "util/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace mdrill {
namespace {

using Clock = std::chrono::steady_clock;

// argv as execvp wants it: pointers into `argv`, null-terminated.
std::vector<char*> ExecArgs(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  return args;
}

// In the child after fork(), async-signal-safe calls only: points stdin, stdout and
// stderr at the given fds (-1: leave as inherited) and execs. When that fails, writes
// `exec_error`, the reason and `suffix` to stderr (nothing when `exec_error` is empty)
// and exits 127.
[[noreturn]] void ExecChild(const std::vector<char*>& args, int in_fd, int out_fd, int err_fd,
                            const std::string& exec_error, const char* suffix) {
  if (in_fd >= 0) ::dup2(in_fd, STDIN_FILENO);
  if (out_fd >= 0) ::dup2(out_fd, STDOUT_FILENO);
  if (err_fd >= 0) ::dup2(err_fd, STDERR_FILENO);
  ::execvp(args[0], args.data());
  if (!exec_error.empty()) {
    const char* why = std::strerror(errno);
    (void)!::write(STDERR_FILENO, exec_error.data(), exec_error.size());
    (void)!::write(STDERR_FILENO, why, std::strlen(why));
    (void)!::write(STDERR_FILENO, suffix, std::strlen(suffix));
  }
  ::_exit(127);
}

// SIGKILL, then reap; the wait status goes to `status`.
void KillAndReap(pid_t pid, int* status) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, status, 0);
}

void CloseFd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// The child's stdin: a memfd holding `input`, /dev/null, or -1 for "inherit" (in
// *fd). False, errno set, when the memfd or /dev/null cannot be opened.
bool OpenStdin(const CommandOptions& o, int* fd) {
  *fd = -1;
  if (o.input.empty()) {
    if (o.inherit_stdin) return true;
    *fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return *fd >= 0;
  }
  *fd = ::memfd_create("mdrill-stdin", MFD_CLOEXEC);
  if (*fd < 0) return false;
  if (!WriteAll(*fd, o.input) || ::lseek(*fd, 0, SEEK_SET) != 0) {
    int saved = errno;
    CloseFd(fd);
    errno = saved;
    return false;
  }
  return true;
}

// A running RunCommand child: its pid and the read ends of its stdout and stderr
// pipes (-1 when not captured), closed by the destructor.
struct Child {
  pid_t pid = -1;
  bool never_ran = false;  // argv[0] could not be executed: exit status 127
  pollfd fds[2] = {{-1, POLLIN, 0}, {-1, POLLIN, 0}};
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    for (auto& f : fds) CloseFd(&f.fd);
  }
};

// Starts argv with its streams set up as `o` says. posix_spawnp, not fork: the
// drill spawns kubectl and docker mid-measurement, and fork() of a process this big
// and this threaded copies its page tables and makes every page it then writes fault
// once, which stalled its probes by tens of milliseconds.
Status StartChild(const std::vector<std::string>& argv, const CommandOptions& o, Child* child) {
  int in_fd = -1;
  if (!OpenStdin(o, &in_fd)) return Status::Internal(std::string("cannot prepare stdin: ") + std::strerror(errno));
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  const bool separate_err = o.stderr_to == CommandOptions::Stderr::kCapture;
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || (separate_err && ::pipe2(err_pipe, O_CLOEXEC) != 0)) {
    int saved = errno;
    for (int* fd : {&in_fd, &out_pipe[0], &out_pipe[1]}) CloseFd(fd);
    return Status::Internal(std::string("pipe: ") + std::strerror(saved));
  }
  int child_err = separate_err ? err_pipe[1] : o.stderr_to == CommandOptions::Stderr::kToStdout ? out_pipe[1] : -1;
  std::vector<char*> args = ExecArgs(argv);
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  const int targets[3] = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};
  const int sources[3] = {in_fd, out_pipe[1], child_err};
  for (int i = 0; i < 3; ++i)
    if (sources[i] >= 0) ::posix_spawn_file_actions_adddup2(&actions, sources[i], targets[i]);
  pid_t pid = -1;
  const int spawn_errno = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  if (spawn_errno != 0 && o.report_exec_failure) {
    // As a child that could not exec would have said it, where its stderr went.
    const std::string why = "exec " + argv[0] + ": " + std::strerror(spawn_errno);
    (void)WriteAll(child_err >= 0 ? child_err : STDERR_FILENO, why);
  }
  for (int* fd : {&in_fd, &out_pipe[1], &err_pipe[1]}) CloseFd(fd);
  child->fds[0].fd = out_pipe[0];
  child->fds[1].fd = err_pipe[0];
  child->pid = pid;
  child->never_ran = spawn_errno != 0;
  if (!child->never_ran && o.niceness != 0) (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(pid), o.niceness);
  return Status::OK();
}

// Waits up to `wait_ms` for output, then reads once from each ready pipe into its
// sink; a pipe at end of file (or failing) is closed and dropped. Returns poll's
// result (< 0 on error, errno kept).
int ReadReady(Child* c, std::string* const sinks[2], int* open_fds, int wait_ms) {
  int r = ::poll(c->fds, 2, wait_ms);  // poll ignores negative fds
  char buf[4096];
  for (int i = 0; i < 2 && r > 0; ++i) {
    if (c->fds[i].fd < 0 || c->fds[i].revents == 0) continue;
    ssize_t n = ::read(c->fds[i].fd, buf, sizeof buf);
    if (n > 0) {
      sinks[i]->append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      CloseFd(&c->fds[i].fd);
      --*open_fds;
    }
  }
  return r;
}

// Reads the child's output until it exits and its pipes close, or `o.linger` after
// it exited when a grandchild holds them; kills it at `timeout`. The child is reaped
// in every case, its wait status in `status`.
Status Collect(Child* c, const std::vector<std::string>& argv, const CommandOptions& o,
               std::chrono::milliseconds timeout, CommandOutput* result, int* status) {
  std::string* const sinks[2] = {&result->out, &result->err};
  int open_fds = (c->fds[0].fd >= 0) + (c->fds[1].fd >= 0);
  bool exited = false;
  const auto deadline = Clock::now() + timeout;
  Clock::time_point exited_at{};
  if (c->never_ran) {
    *status = 127 << 8;  // as exit(127)
    exited = true;
    exited_at = Clock::now();
  }
  while (true) {
    if (!exited && ::waitpid(c->pid, status, WNOHANG) == c->pid) {
      exited = true;
      exited_at = Clock::now();
    }
    if (exited && (open_fds == 0 || Clock::now() - exited_at > o.linger)) break;
    if (!exited && Clock::now() >= deadline) {
      KillAndReap(c->pid, status);
      return Status::Transport(4, ShellJoin(argv) + " timed out after " + std::to_string(timeout.count()) +
                                      " ms and was killed; it may or may not have taken effect");
    }
    if (open_fds == 0) {  // pipes closed, child not reaped yet
      ::usleep(2000);
      continue;
    }
    if (ReadReady(c, sinks, &open_fds, 20) < 0 && errno != EINTR) {
      int poll_errno = errno;
      if (!exited) KillAndReap(c->pid, status);
      return Status::Internal(std::string("poll: ") + std::strerror(poll_errno));
    }
  }
  // What is already in pipes a grandchild holds (at most a few pipe buffers' worth).
  int reads = 0;
  while (reads++ < 64 && open_fds > 0 && ReadReady(c, sinks, &open_fds, 0) > 0) continue;
  return Status::OK();
}

// RunCommand without the exit code's interpretation: what was read goes to `result`
// even on error, and the wait status (0 when the child never ran) to `status`.
Status RunInto(const std::vector<std::string>& argv, const CommandOptions& o, std::chrono::milliseconds timeout,
               CommandOutput* result, int* status) {
  *status = 0;
  if (argv.empty()) return Status::InvalidArgument("empty command");
  Child child;
  if (Status s = StartChild(argv, o, &child); !s.ok()) return s;
  return Collect(&child, argv, o, timeout, result, status);
}

}  // namespace

Subprocess::~Subprocess() {
  if (pid_ > 0) Stop(std::chrono::milliseconds(0));
}

Subprocess::Subprocess(Subprocess&& o) noexcept : pid_(o.pid_), status_(o.status_) { o.pid_ = -1; }

Subprocess& Subprocess::operator=(Subprocess&& o) noexcept {
  if (this != &o) {
    if (pid_ > 0) Stop(std::chrono::milliseconds(0));
    pid_ = o.pid_;
    status_ = o.status_;
    o.pid_ = -1;
  }
  return *this;
}

bool Subprocess::Start(const std::vector<std::string>& argv, const std::string& log_path, std::string* error,
                       bool die_with_parent) {
  if (argv.empty()) {
    *error = "empty command";
    return false;
  }
  int log_fd = -1;
  if (!log_path.empty()) {
    log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      *error = "cannot open " + log_path + ": " + std::strerror(errno);
      return false;
    }
  }
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::vector<char*> args = ExecArgs(argv);
  std::string exec_error = "exec " + argv[0] + ": ";
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // Kept across exec. If the parent died before the call took effect, go now.
    if (die_with_parent && (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent)) ::_exit(127);
    ExecChild(args, devnull, log_fd, log_fd, exec_error, "\n");
  }
  int fork_errno = errno;
  CloseFd(&log_fd);
  CloseFd(&devnull);
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(fork_errno);
    return false;
  }
  pid_ = pid;
  status_ = 0;
  return true;
}

bool Subprocess::running() {
  if (pid_ <= 0) return false;
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = st;
    pid_ = -1;
    return false;
  }
  return r == 0;
}

bool Subprocess::Signal(int sig) { return running() && ::kill(pid_, sig) == 0; }

bool Subprocess::Wait(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (running()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void Subprocess::Stop(std::chrono::milliseconds grace) {
  if (!running()) return;
  if (grace.count() > 0) {
    ::kill(pid_, SIGTERM);
    if (Wait(grace)) return;
  }
  KillAndReap(pid_, &status_);
  pid_ = -1;
}

bool PidAlive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (f == nullptr) return false;
  char buf[512] = {0};
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  const char* close = std::strrchr(buf, ')');
  return !(n > 0 && close != nullptr && close[1] == ' ' && close[2] == 'Z');
}

Result<CommandOutput> RunCommand(const std::vector<std::string>& argv, const CommandOptions& options,
                                 std::chrono::milliseconds timeout) {
  CommandOutput result;
  int st = 0;
  if (Status s = RunInto(argv, options, timeout, &result, &st); !s.ok()) return s;
  if (WIFEXITED(st))
    result.exit_code = WEXITSTATUS(st);
  else if (WIFSIGNALED(st))
    result.exit_code = 128 + WTERMSIG(st);
  return result;
}

int RunCapture(const std::vector<std::string>& argv, std::string* out, std::chrono::milliseconds timeout,
               bool merge_stderr) {
  CommandOptions o;
  o.inherit_stdin = true;
  o.stderr_to = merge_stderr ? CommandOptions::Stderr::kToStdout : CommandOptions::Stderr::kInherit;
  o.linger = std::chrono::milliseconds(0);  // do not wait for grandchildren holding the pipe
  o.report_exec_failure = false;
  CommandOutput result;
  int st = 0;
  Status s = RunInto(argv, o, timeout, &result, &st);
  out->append(result.out);
  return s.ok() && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

std::string ShellJoin(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) {
    if (!line.empty()) line += ' ';
    bool plain = !a.empty();
    for (char c : a)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || (c != '\0' && std::strchr("_./=:,@%+-", c) != nullptr)))
        plain = false;
    if (plain) {
      line += a;
      continue;
    }
    line += '\'';
    for (char c : a) line += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

int64_t ProcessStartTicks(pid_t pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return -1;
  auto close = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i)
    if (i == 22) return std::strtoll(field.c_str(), nullptr, 10);
  return -1;
}

std::string SelfExecutable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "milvus-drill";
  const std::string path = p.string();
  const std::string deleted = " (deleted)";
  if (path.size() >= deleted.size() && path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0)
    return "/proc/self/exe";
  return path;
}

}  // namespace mdrill
