// The supervisor's fault journal (DATA_DIR/faults.journal): one JSON line per fault,
// written and fdatasynced before the fault is applied, and one line per heal, so a
// supervisor that starts after a crash knows what an earlier run left open.
// Thread-safe (each call opens the file; appends are whole lines).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "util/status.h"

namespace milvusdrill::lab {
class FaultRequest;
}

namespace mdrill::lab {

// Appends `record` as one line (after a torn line a crash left, on a line of its
// own) and syncs it; false when it could not be written.
bool AppendJournal(const std::string& path, const nlohmann::json& record);

// Faults applied and never healed, by id: each the record as written (an object
// with a string "id"). Lines that are not such records (torn, foreign) are skipped.
std::map<std::string, nlohmann::json> OpenFaults(const std::string& path);

// SIGCONTs every paused process an earlier supervisor run left unhealed (a pid
// still started when the journal says), and journals each open fault as healed.
void HealJournal(const std::string& path);

// A fault request (not heal) against what this lab can do: a known action, a
// duration where one is needed, network faults only with namespaces
// (`network_reason` says why there are none), loss and delay in range, a fault id
// well formed and not among `open_ids`. InvalidArgument naming what is wrong.
Status CheckFaultRequest(const ::milvusdrill::lab::FaultRequest& req, bool network_up,
                         const std::string& network_reason, const std::set<std::string>& open_ids);

}  // namespace mdrill::lab
