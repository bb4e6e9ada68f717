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

// Each subcommand lives in its own file and registers itself here.
void add_status_command(CLI::App& app, Context& ctx);
void add_top_command(CLI::App& app, Context& ctx);
void add_trace_command(CLI::App& app, Context& ctx);
void add_doctor_command(CLI::App& app, Context& ctx);
void add_fault_command(CLI::App& app, Context& ctx);
void add_apply_command(CLI::App& app, Context& ctx);

// Thrown by subcommand callbacks to end with a message and exit code; only
// main catches it.
struct CommandFailed {
  std::string message;
  int exit_code = 1;
};

}  // namespace seismo::cli
