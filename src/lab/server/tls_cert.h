// The lab's TLS certificate: self-signed, made once per data directory with
// Debian's `openssl` and kept, so a client that trusts it keeps trusting it across
// restarts. Valid for localhost, 127.0.0.1 and the extra hosts given (the front
// door's); the certificate is its own CA (give it to clients as --ca).
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace mdrill::lab {

struct TlsFiles {
  std::string cert;  // DATA_DIR/tls/server.pem: the certificate, and the CA to trust
  std::string key;   // DATA_DIR/tls/server.key (mode 0600)
};

// The data directory's certificate, made first if absent. InvalidArgument when
// openssl fails (its output in the reason).
Result<TlsFiles> EnsureLabCertificate(const std::string& data_dir, const std::vector<std::string>& extra_hosts);

// The files EnsureLabCertificate makes, whether or not they exist yet.
TlsFiles LabCertificateFiles(const std::string& data_dir);

}  // namespace mdrill::lab
