// The supervisor's fault journal (DATA_DIR/faults.journal): one JSON line per fault,
// written and fdatasynced before the fault is applied, and one line per heal, so a
// supervisor that starts after a crash knows what an earlier run left open.
// Thread-safe (each call opens the file; appends are whole lines).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace mdrill::lab {

// Appends `record` as one line (after a torn line a crash left, on a line of its
// own) and syncs it; false when it could not be written.
bool AppendJournal(const std::string& path, const nlohmann::json& record);

// Faults applied and never healed, by id: each the record as written (an object
// with a string "id"). Lines that are not such records (torn, foreign) are skipped.
std::map<std::string, nlohmann::json> OpenFaults(const std::string& path);

// SIGCONTs every paused pid an earlier supervisor run left unhealed, and journals
// each open fault as healed.
void HealJournal(const std::string& path);

}  // namespace mdrill::lab
