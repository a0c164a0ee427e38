#include "drill/nemesis/run_with_input.h"

namespace mdrill::drill {

namespace {

CommandOptions NemesisOptions(const std::string& input) {
  CommandOptions o;
  o.input = input;  // empty: /dev/null, never the drill's own stdin
  o.stderr_to = CommandOptions::Stderr::kCapture;
  o.linger = std::chrono::milliseconds(200);  // a tool's leftover daemon must not hold the nemesis up
  o.report_exec_failure = true;
  return o;
}

}  // namespace

Result<CommandOutput> RunWithInput(const std::vector<std::string>& argv, const std::string& input,
                                   std::chrono::milliseconds timeout) {
  return RunCommand(argv, NemesisOptions(input), timeout);
}

Result<CommandOutput> RunToLook(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  CommandOptions o = NemesisOptions("");
  o.niceness = 19;
  return RunCommand(argv, o, timeout);
}

}  // namespace mdrill::drill
