#include "lab/server/tls_cert.h"

#include <sys/stat.h>

#include <filesystem>
#include <set>

#include "util/subprocess.h"

namespace mdrill::lab {

TlsFiles LabCertificateFiles(const std::string& data_dir) {
  return {data_dir + "/tls/server.pem", data_dir + "/tls/server.key"};
}

Result<TlsFiles> EnsureLabCertificate(const std::string& data_dir, const std::vector<std::string>& extra_hosts) {
  TlsFiles f = LabCertificateFiles(data_dir);
  if (std::filesystem::exists(f.cert) && std::filesystem::exists(f.key)) return f;
  std::error_code ec;
  std::filesystem::create_directories(data_dir + "/tls", ec);
  if (ec) return Status::InvalidArgument("cannot create " + data_dir + "/tls: " + ec.message());
  std::set<std::string> dns = {"localhost"}, ips = {"127.0.0.1"};
  for (const auto& h : extra_hosts) {
    if (h.empty() || h == "0.0.0.0") continue;
    const bool ip = h.find_first_not_of("0123456789.") == std::string::npos;
    (ip ? ips : dns).insert(h);
  }
  std::string san = "subjectAltName=";
  for (const auto& d : dns) san += "DNS:" + d + ",";
  for (const auto& i : ips) san += "IP:" + i + ",";
  san.pop_back();
  const std::string key_tmp = f.key + ".tmp", cert_tmp = f.cert + ".tmp";
  std::string out;
  int rc = RunCapture({"openssl",
                       "req",
                       "-x509",
                       "-newkey",
                       "ec",
                       "-pkeyopt",
                       "ec_paramgen_curve:prime256v1",
                       "-nodes",
                       "-keyout",
                       key_tmp,
                       "-out",
                       cert_tmp,
                       "-days",
                       "3650",
                       "-subj",
                       "/CN=milvus-drill lab",
                       "-addext",
                       san,
                       "-addext",
                       "basicConstraints=critical,CA:TRUE"},
                      &out, std::chrono::seconds(30), true);
  if (rc != 0) return Status::InvalidArgument("openssl could not make the lab's certificate: " + out);
  ::chmod(key_tmp.c_str(), 0600);
  std::filesystem::rename(key_tmp, f.key, ec);
  if (!ec) std::filesystem::rename(cert_tmp, f.cert, ec);
  if (ec) return Status::InvalidArgument("cannot place the lab's certificate: " + ec.message());
  return f;
}

}  // namespace mdrill::lab
