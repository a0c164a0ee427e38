// StopSignals: SIGINT and SIGTERM as a request to stop, for server mains.
//
// Construct it first thing in main (before any thread starts): it blocks both
// signals in the calling thread, which every thread created afterwards inherits, so
// they are only ever received by Wait(). Not copyable.
#pragma once

#include <signal.h>

namespace mdrill {

class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Blocks until SIGINT or SIGTERM arrives; returns the signal.
  int Wait() {
    int sig = 0;
    sigwait(&set_, &sig);
    return sig;
  }

 private:
  sigset_t set_;
};

}  // namespace mdrill
