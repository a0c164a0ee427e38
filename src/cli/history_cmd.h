// `milvus-drill history | trend | analyze`: the runs stored in the history
// database (report/history_store.h), listed, followed over time, analysed together.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace mdrill::cli {

// Adds the commands to `app`; the returned function runs whichever was parsed and
// returns its exit code (0 done, 1 nothing matched, 2 the database could not be
// read or a file written), or -1 when none was.
std::function<int()> AddHistoryCommands(CLI::App* app);

}  // namespace mdrill::cli
