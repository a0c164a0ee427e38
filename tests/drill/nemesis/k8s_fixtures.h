// The recorded `kubectl get pods -o json` listings of tests/data/k8s and what
// `kubectl get pods -l SELECTOR` would list from them (kubectl's equality rules,
// util/selector.h).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "util/selector.h"

namespace mdrill::drill::testing {

inline nlohmann::json K8sFixture(const std::string& name) {
  const char* src = std::getenv("MDRILL_SOURCE_DIR");
  std::ifstream in(std::string(src ? src : ".") + "/tests/data/k8s/" + name + ".json");
  EXPECT_TRUE(in.good()) << name;
  return nlohmann::json::parse(in, nullptr, false);
}

// The pods of `pods` that `selector` matches, as a pod list.
inline nlohmann::json PodsMatching(const nlohmann::json& pods, const std::string& selector) {
  nlohmann::json out = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", nlohmann::json::array()}};
  for (const auto& p : pods["items"]) {
    std::map<std::string, std::string> labels;
    for (const auto& [k, v] : p["metadata"]["labels"].items()) labels[k] = v.get<std::string>();
    bool match = false;
    std::string error;
    EXPECT_TRUE(MatchSelector(selector, labels, &match, &error)) << error;
    if (match) out["items"].push_back(p);
  }
  return out;
}

}  // namespace mdrill::drill::testing
