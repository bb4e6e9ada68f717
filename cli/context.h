#pragma once

#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "api/client.h"
#include "common/result.h"

namespace seismo::cli {

enum class OutputFormat { table, json, yaml };

// Options every subcommand shares, filled by CLI11 before a callback runs.
struct Context {
  std::string socket_path = api::kDefaultSocketPath;
  std::string output = "table";

  [[nodiscard]] OutputFormat format() const {
    return output == "json" ? OutputFormat::json : output == "yaml" ? OutputFormat::yaml : OutputFormat::table;
  }
  // Connects and calls one method; errors carry the daemon's message.
  Result<nlohmann::json> call(const std::string& method, const nlohmann::json& params = nlohmann::json::object()) const;
};

// kubectl-like pod filters (-n, -l, --pod), sent to seismod, which alone
// knows which pod a cgroup belongs to.
struct PodFlags {
  std::string namespace_name, selector, pod;
  [[nodiscard]] nlohmann::json params() const {
    nlohmann::json p = nlohmann::json::object();
    if (!namespace_name.empty()) p["namespace"] = namespace_name;
    if (!selector.empty()) p["selector"] = selector;
    if (!pod.empty()) p["pod"] = pod;
    return p;
  }
};
inline void add_pod_flags(CLI::App* cmd, PodFlags& f) {
  cmd->add_option("-n,--namespace", f.namespace_name, "Only pods of this namespace");
  cmd->add_option("-l,--selector", f.selector, "Only pods matching this label selector (app=web,tier!=db)");
  cmd->add_option("--pod", f.pod, "Only this pod (by name)");
}

// The text of `-f FILE` ('-': stdin), bounded by a request's size; throws
// CommandFailed naming the file (cli/apply.cpp).
std::string read_document_file(const std::string& file);

// Each subcommand lives in its own file and registers itself here.
void add_pods_command(CLI::App& app, Context& ctx);
void add_status_command(CLI::App& app, Context& ctx);
void add_top_command(CLI::App& app, Context& ctx);
void add_trace_command(CLI::App& app, Context& ctx);
void add_doctor_command(CLI::App& app, Context& ctx);
void add_fault_command(CLI::App& app, Context& ctx);
void add_apply_command(CLI::App& app, Context& ctx);
void add_convert_command(CLI::App& app, Context& ctx);

// Thrown by subcommand callbacks to end with a message and exit code; only
// main catches it.
struct CommandFailed {
  std::string message;
  int exit_code = 1;
};

}  // namespace seismo::cli
