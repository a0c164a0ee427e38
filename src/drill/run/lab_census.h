// The census of a lab (drill/check/census.h): its supervisor's view of every
// component, with each running process's resident memory and open descriptors read
// from /proc (the lab runs on this machine).
#pragma once

#include <vector>

#include "drill/check/census.h"
#include "drill/nemesis/lab.h"

namespace mdrill::drill {

Result<std::vector<CensusEntry>> LabCensus(LabNemesis* lab);

// VmRSS of `pid` in KiB, and its open descriptors; -1 when /proc cannot tell.
int64_t ResidentKib(int pid);
int OpenDescriptors(int pid);

}  // namespace mdrill::drill
