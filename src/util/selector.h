// Label selectors as Kubernetes writes them in their simplest (equality) form:
// "app=etcd,component=x" matches a set of labels holding every key=value.
#pragma once

#include <map>
#include <string>

namespace mdrill {

// True when `labels` has every key=value of `selector`; an empty selector matches
// everything. Returns false with `error` set when the selector is malformed (a term
// without '=' or with an empty key); `match` is then unspecified.
bool MatchSelector(const std::string& selector, const std::map<std::string, std::string>& labels, bool* match,
                   std::string* error);

}  // namespace mdrill
