// `milvus-drill lab ...`: the flag definitions; what the commands do is lab_actions.h.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace mdrill::cli {

// Adds the `lab` subcommand tree to `app`; the returned function runs whichever lab
// command was parsed and returns its exit code (or -1 when none was).
std::function<int()> AddLabCommands(CLI::App* app);

}  // namespace mdrill::cli
