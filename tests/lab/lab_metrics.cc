#include "lab/lab_metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

namespace mdrill::testing {

namespace {

std::string HttpGet(const std::string& endpoint, const std::string& path) {
  auto colon = endpoint.rfind(':');
  if (colon == std::string::npos) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(endpoint.substr(colon + 1))));
  if (inet_pton(AF_INET, endpoint.substr(0, colon).c_str(), &addr.sin_addr) != 1) return "";
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string body;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: " + endpoint + "\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[65536];
      ssize_t n;
      while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) body.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return body;
}

}  // namespace

std::map<std::string, double> EtcdRequestsByMethod(const std::string& endpoint) {
  std::map<std::string, double> by_method;
  std::istringstream page(HttpGet(endpoint, "/metrics"));
  static const std::regex line(R"re(^grpc_server_started_total\{(.*)\}\s+(\S+)$)re");
  static const std::regex method(R"re(grpc_method="([^"]+)")re");
  std::string l;
  while (std::getline(page, l)) {
    std::smatch m, mm;
    if (!std::regex_match(l, m, line)) continue;
    std::string labels = m[1];
    if (!std::regex_search(labels, mm, method)) continue;
    by_method[mm[1]] += std::stod(m[2]);
  }
  return by_method;
}

std::map<std::string, double> EtcdRequestsByMethod(const std::vector<std::string>& endpoints) {
  std::map<std::string, double> total;
  for (const auto& e : endpoints)
    for (const auto& [k, v] : EtcdRequestsByMethod(e)) total[k] += v;
  return total;
}

double EtcdMetric(const std::string& endpoint, const std::string& name) {
  std::istringstream page(HttpGet(endpoint, "/metrics"));
  for (std::string l; std::getline(page, l);)
    if (l.rfind(name + " ", 0) == 0) return std::stod(l.substr(name.size() + 1));
  return -1;
}

double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return -1;
  auto close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace mdrill::testing
