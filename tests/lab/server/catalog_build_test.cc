// A catalog's index builder runs below the priority of the threads that apply the
// log and serve requests: five replicas building one merged segment's index at once
// on two cores once held writes up past their deadline.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "lab/server/catalog.h"
#include "util/background_thread.h"

namespace mdrill::lab {
namespace {

// The nice value of each of this process's threads called `name`, from /proc.
std::vector<int> NiceOfThreadsNamed(const std::string& name) {
  std::vector<int> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string c;
    std::getline(comm, c);
    if (c != name) continue;
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // Fields after the command's closing parenthesis: state is field 3, nice is 19.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 19 && rest >> field; ++i) {
    }
    out.push_back(std::stoi(field));
  }
  return out;
}

TEST(CatalogBuild, TheIndexBuilderRunsAtBackgroundPriority) {
  const int before = CurrentThreadNice();  // 0, unless the test itself runs niced
  Catalog replica(CatalogOptions{}, nullptr);
  replica.Start();  // starts the builder
  std::vector<int> nice;
  for (int i = 0; i < 100 && nice.empty(); ++i) {
    nice = NiceOfThreadsNamed("index-build");
    if (nice.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(nice.size(), 1u) << "no thread named index-build";
  EXPECT_EQ(nice[0], std::max(before, kBackgroundNice));
  EXPECT_EQ(CurrentThreadNice(), before) << "the caller's own priority changed";
}

}  // namespace
}  // namespace mdrill::lab
