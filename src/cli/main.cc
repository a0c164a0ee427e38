// milvus-drill: failover verification for Milvus, and a Milvus-compatible lab.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/demo.h"
#include "cli/history_cmd.h"
#include "cli/lab_cmd.h"
#include "cli/run_cmd.h"

int main(int argc, char** argv) {
  CLI::App app{"milvus-drill: failover verification for Milvus, and a Milvus-compatible lab"};
  app.require_subcommand(1);
  auto run_lab = mdrill::cli::AddLabCommands(&app);
  auto run_drill = mdrill::cli::AddRunCommands(&app);
  auto run_history = mdrill::cli::AddHistoryCommands(&app);

  mdrill::cli::DemoOptions demo;
  auto* demo_cmd = app.add_subcommand("demo", "run a short create/insert/index/load/search/query flow");
  demo_cmd->add_option("--uri", demo.connect.address, "host:port of the Milvus endpoint")->capture_default_str();
  demo_cmd->add_option("--user", demo.connect.user, "user name");
  demo_cmd->add_option("--password", demo.connect.password, "password");
  demo_cmd->add_flag("--tls", demo.connect.tls, "connect over TLS");
  demo_cmd->add_option("--ca", demo.connect.ca_file, "PEM file of the CA that signed the server's certificate");
  demo_cmd->add_option("--rows", demo.rows, "rows to insert")->capture_default_str()->check(CLI::Range(10, 1000000));

  app.add_subcommand("version", "print the version")->callback([] { std::printf("milvus-drill 0.1.0\n"); });

  CLI11_PARSE(app, argc, argv);
  if (demo_cmd->parsed()) return mdrill::cli::RunDemo(demo);
  int rc = run_drill();
  if (rc >= 0) return rc;
  rc = run_history();
  if (rc >= 0) return rc;
  rc = run_lab();
  return rc < 0 ? 0 : rc;
}
