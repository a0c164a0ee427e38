// The fault journal: what a drill broke and has not yet repaired, on disk.
//
// One JSON object per line, appended and fsynced before the call returns:
//   {"event":"applied","fault":{<AppliedFault as nemesis.h ToJson>},
//    "journaled_unix_ms":T,"deadline_unix_ms":D}          written BEFORE injection
//   {"event":"healed","id":ID,"healed_unix_ms":T,"by":WHY}  written after a successful heal
// D is T + the fault's duration, or 0 for "until healed". A fault is pending while it
// has an "applied" line and no "healed" line. Because the applied line is written
// before anything is touched, a crash at any point leaves either nothing to undo or a
// journal entry whose undo steps (idempotent) repair it: `milvus-drill heal` reads
// PendingFaults() and heals each. A crash mid-append leaves a torn last line; readers
// ignore it and the next append starts on a fresh line.
//
// Functions, no state: thread-compatible; concurrent writers to one journal are not
// supported (one drill per journal).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "drill/nemesis/nemesis.h"
#include "util/status.h"

namespace mdrill::drill {

struct JournalEntry {
  AppliedFault fault;
  int64_t journaled_unix_ms = 0;
  int64_t deadline_unix_ms = 0;  // 0: until healed
};

// Appends an "applied" line for `fault` (deadline = now + its duration) and fsyncs it.
// Internal error when the journal cannot be written: the caller must then not inject.
Status JournalApplied(const std::string& path, const AppliedFault& fault);

// Appends a "healed" line for fault `id`, saying who healed it, and fsyncs it.
Status JournalHealed(const std::string& path, const std::string& id, const std::string& by);

// The faults with an "applied" line and no "healed" line, in journal order. A missing
// file is an empty journal. Lines that do not parse (a torn last line) are skipped and
// counted in *skipped when given. Internal error when the file exists but cannot be read.
Result<std::vector<JournalEntry>> PendingFaults(const std::string& path, int* skipped = nullptr);

// The safe order of operations around a backend:
//   Plan -> JournalApplied -> Inject. If Inject fails, Heal what was done and journal
// "healed" when that worked; the injection error is returned. A fault with nothing to
// undo (a Kubernetes kill) is journaled healed ("nothing to undo") right after injection.
Result<AppliedFault> ApplyJournaled(Nemesis& nemesis, const FaultSpec& spec, const std::string& journal_path);

// Heal + JournalHealed(by) when the heal succeeded.
Status HealJournaled(Nemesis& nemesis, const AppliedFault& fault, const std::string& journal_path,
                     const std::string& by);

}  // namespace mdrill::drill
