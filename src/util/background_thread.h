// Background work that must yield to serving: index builds compete with the
// threads that apply the log and answer requests for the same cores (in the HA lab,
// five replicas build the same index at once on a small machine). The calling
// thread is named and given a lower scheduling priority; threads it starts later
// (FAISS's OpenMP workers) inherit the priority.
#pragma once

namespace mdrill {

// The nice value background threads run at (0 is the default, 19 the lowest).
inline constexpr int kBackgroundNice = 10;

// Names the calling thread (at most 15 characters are kept) and lowers its
// priority to kBackgroundNice (one already lower stays as it is). False when the kernel refused (the thread then
// runs at its old priority, which is only slower for the serving threads).
bool BecomeBackgroundThread(const char* name);

// The calling thread's nice value.
int CurrentThreadNice();

}  // namespace mdrill
