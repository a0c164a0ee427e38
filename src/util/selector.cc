#include "util/selector.h"

#include <sstream>

namespace mdrill {

bool MatchSelector(const std::string& selector, const std::map<std::string, std::string>& labels, bool* match,
                   std::string* error) {
  *match = true;
  std::stringstream ss(selector);
  for (std::string term; std::getline(ss, term, ',');) {
    if (term.empty()) continue;
    auto eq = term.find('=');
    if (eq == std::string::npos || eq == 0) {
      *error = "malformed selector term '" + term + "': expected key=value";
      return false;
    }
    auto it = labels.find(term.substr(0, eq));
    if (it == labels.end() || it->second != term.substr(eq + 1)) *match = false;
  }
  return true;
}

}  // namespace mdrill
