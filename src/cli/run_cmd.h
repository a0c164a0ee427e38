// `milvus-drill run | check | heal`: the failover suite, re-judging a saved
// history, and undoing what a crashed run left.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace mdrill::cli {

// Adds `run`, `check` and `heal` to `app`; the returned function runs whichever was
// parsed and returns its exit code (0 pass, 1 fail, 2 could not judge), or -1 when
// none was.
std::function<int()> AddRunCommands(CLI::App* app);

}  // namespace mdrill::cli
