#include "lab/server/deliberate_bug.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace mdrill::lab {
namespace {

constexpr const char* kNames[] = {"lose-inserts", "duplicate-inserts", "ignore-deletes", "ignore-upserts",
                                  "ignore-drops"};
constexpr int kEvery = 10;

}  // namespace

bool DeliberateBugs::Parse(const std::string& list, bool on[], std::string* bad) {
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ',')) {
    if (name.empty()) continue;
    bool known = false;
    for (int i = 0; i < static_cast<int>(Bug::kCount); ++i)
      if (name == kNames[i]) on[i] = known = true;
    if (!known) {
      *bad = name;
      return false;
    }
  }
  return true;
}

DeliberateBugs& DeliberateBugs::FromEnvironment() {
  static DeliberateBugs* bugs = [] {
    auto* b = new DeliberateBugs();
    const char* env = std::getenv("MDRILL_DELIBERATE_BUG");
    if (env == nullptr || *env == '\0') return b;
    std::string bad;
    if (!Parse(env, b->on_, &bad))
      std::fprintf(stderr, "MDRILL_DELIBERATE_BUG: unknown bug '%s' (and any after it) ignored\n", bad.c_str());
    for (int i = 0; i < static_cast<int>(Bug::kCount); ++i)
      if (b->on_[i])
        std::fprintf(stderr, "WARNING: deliberate bug %s is on: this server loses data on purpose\n", kNames[i]);
    return b;
  }();
  return *bugs;
}

bool DeliberateBugs::Strikes(Bug bug) {
  const int i = static_cast<int>(bug);
  return on_[i] && (calls_[i].fetch_add(1) + 1) % kEvery == 0;
}

void DeliberateBugs::Report(Bug bug, const engine::Column& keys) {
  std::string list;
  for (size_t i = 0; i < keys.ints.size(); ++i) list += (i ? "," : "") + std::to_string(keys.ints[i]);
  for (size_t i = 0; i < keys.strs.size(); ++i) list += (i || !keys.ints.empty() ? "," : "") + keys.strs[i];
  std::fprintf(stderr, "deliberate bug %s: keys %s\n", kNames[static_cast<int>(bug)], list.c_str());
  std::fflush(stderr);
}

void DeliberateBugs::ReportCollection(Bug bug, const std::string& name) {
  std::fprintf(stderr, "deliberate bug %s: collection %s\n", kNames[static_cast<int>(bug)], name.c_str());
  std::fflush(stderr);
}

}  // namespace mdrill::lab
