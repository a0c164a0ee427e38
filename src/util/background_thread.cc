#include "util/background_thread.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace mdrill {

namespace {
id_t ThreadId() { return static_cast<id_t>(syscall(SYS_gettid)); }
}  // namespace

bool BecomeBackgroundThread(const char* name) {
  char shortened[16] = {};
  for (int i = 0; i < 15 && name[i] != '\0'; ++i) shortened[i] = name[i];
  (void)pthread_setname_np(pthread_self(), shortened);
  // On Linux, PRIO_PROCESS with a thread id sets that thread's nice value alone. A
  // thread already below the background priority (a niced process) stays there.
  if (CurrentThreadNice() >= kBackgroundNice) return true;
  return setpriority(PRIO_PROCESS, ThreadId(), kBackgroundNice) == 0;
}

int CurrentThreadNice() {
  errno = 0;
  return getpriority(PRIO_PROCESS, ThreadId());
}

}  // namespace mdrill
