#include "drill/run_with_input.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace mdrill::drill {
namespace {

using Clock = std::chrono::steady_clock;

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

// The child's stdin: a memfd holding `input` (no pipe, so no SIGPIPE and no deadlock
// when the child does not read it), or /dev/null. -1 on failure.
int StdinFd(const std::string& input) {
  if (input.empty()) return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int fd = ::memfd_create("mdrill-stdin", MFD_CLOEXEC);
  if (fd < 0) return -1;
  if (!WriteAll(fd, input) || ::lseek(fd, 0, SEEK_SET) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int ExitCode(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -1;
}

}  // namespace

Result<CommandOutput> RunWithInput(const std::vector<std::string>& argv, const std::string& input,
                                   std::chrono::milliseconds timeout) {
  if (argv.empty()) return Status::InvalidArgument("empty command");
  int in_fd = StdinFd(input);
  if (in_fd < 0) return Status::Internal(std::string("cannot prepare stdin: ") + std::strerror(errno));
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_fd);
    return Status::Internal(std::string("pipe: ") + std::strerror(errno));
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(in_fd);
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return Status::Internal(std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::string exec_error = "exec " + argv[0] + ": ";
  pid_t pid = ::fork();
  if (pid == 0) {  // child: async-signal-safe calls only
    ::dup2(in_fd, STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    ::execvp(args[0], args.data());
    const char* why = std::strerror(errno);
    (void)!::write(STDERR_FILENO, exec_error.data(), exec_error.size());
    (void)!::write(STDERR_FILENO, why, std::strlen(why));
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(in_fd);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (pid < 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return Status::Internal(std::string("fork: ") + std::strerror(fork_errno));
  }

  CommandOutput result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2, st = 0;
  bool exited = false;
  auto deadline = Clock::now() + timeout;
  Clock::time_point exited_at{};
  char buf[4096];
  while (true) {
    if (!exited && ::waitpid(pid, &st, WNOHANG) == pid) {
      exited = true;
      exited_at = Clock::now();
    }
    // Done when both pipes closed; or shortly after exit when a grandchild holds them.
    if (exited && (open_fds == 0 || Clock::now() - exited_at > std::chrono::milliseconds(200))) break;
    if (!exited && Clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      for (auto& f : fds)
        if (f.fd >= 0) ::close(f.fd);
      return Status::Transport(4, ShellJoin(argv) + " timed out after " + std::to_string(timeout.count()) +
                                      " ms and was killed; it may or may not have taken effect");
    }
    if (open_fds == 0) {  // pipes closed, child not reaped yet
      ::usleep(2000);
      continue;
    }
    int r = ::poll(fds, 2, 20);
    if (r < 0 && errno != EINTR) {
      int poll_errno = errno;
      if (!exited) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &st, 0);
      }
      for (auto& f : fds)
        if (f.fd >= 0) ::close(f.fd);
      return Status::Internal(std::string("poll: ") + std::strerror(poll_errno));
    }
    for (int i = 0; i < 2 && r > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;  // poll ignores negative fds
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  result.exit_code = ExitCode(st);
  return result;
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

}  // namespace mdrill::drill
