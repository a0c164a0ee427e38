// JUnit XML of a run, so CI systems (Jenkins, GitLab, GitHub annotations) show the
// drill natively: one <testsuite> per test of the suite, one <testcase> per check.
// A check that failed carries a <failure> whose message holds the measured figure
// and the threshold; a check that could not be judged is <skipped> with the reason
// (never reported as passed); a test that could not run is one <testcase name="run">
// with an <error>.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mdrill::report {

// `results`: each test's result JSON (as written next to its history). `suite`: the
// name of the <testsuites> element. The timestamp of each suite is `started_iso`
// (ISO 8601, may be empty).
std::string RenderJunit(const std::vector<nlohmann::json>& results, const std::string& suite,
                        const std::string& started_iso);

// "17.20 s", "3", "99.9000 %" ...: `value` in the unit `check` (a check as a result
// file holds it) carries, as the JUnit
// messages and the HTML show it.
std::string CheckFigure(const nlohmann::json& check, double value);

// XML/HTML text escaping of &, <, >, " and '.
std::string XmlEscape(const std::string& text);

}  // namespace mdrill::report
