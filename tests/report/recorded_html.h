// The recorded run (recorded_run.h) as the HTML report takes it: each test's result
// JSON with its history read back.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "drill/history/history.h"
#include "report/html.h"
#include "report/recorded_run.h"

namespace mdrill::testing {

inline std::vector<report::HtmlTest> RecordedHtmlTests() {
  std::vector<report::HtmlTest> out;
  for (auto& r : RecordedRun()) {
    report::HtmlTest t;
    t.result = r.result;
    EXPECT_TRUE(drill::ReadHistory(r.history_path, &t.history).ok()) << r.history_path;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace mdrill::testing
