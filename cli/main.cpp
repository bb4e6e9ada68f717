#include <CLI/CLI.hpp>

#include <iostream>
#include <optional>
#include <string>

#include "context.h"
#include "common/version.h"
#include "utf8.h"

namespace seismo::cli {
namespace {

// The path ("filter.cidrs[0]") of the first string in `v` that is not valid
// UTF-8: arguments are bytes, the control protocol is JSON text.
std::optional<std::string> non_utf8_field(const nlohmann::json& v, const std::string& path) {
  if (v.is_string()) {
    if (first_invalid_utf8(v.get_ref<const std::string&>()) == std::string_view::npos) return std::nullopt;
    return path;
  }
  if (v.is_object()) {
    for (const auto& [key, item] : v.items())
      if (auto f = non_utf8_field(item, path.empty() ? key : path + "." + key)) return f;
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i)
      if (auto f = non_utf8_field(v[i], path + "[" + std::to_string(i) + "]")) return f;
  }
  return std::nullopt;
}

}  // namespace

Result<nlohmann::json> Context::call(const std::string& method, const nlohmann::json& params) const {
  if (auto field = non_utf8_field(params, ""); field)
    return fail_errno(EINVAL, *field + ": not valid UTF-8 (seismod takes text only)");
  auto client = api::Client::connect(socket_path);
  if (!client) return fail(std::move(client).error());
  return client->call(method, params);
}

}  // namespace seismo::cli

int main(int argc, char** argv) {
  using namespace seismo::cli;
  Context ctx;
  CLI::App app{"seismo: control seismod and inspect this node (eBPF metrics, traces, network faults)"};
  app.set_version_flag("--version", "seismo " + seismo::build_version());
  app.require_subcommand(1);
  // Global options work after the subcommand too (`seismo doctor -o json`);
  // subcommands created below inherit this.
  app.fallthrough();
  app.add_option("--socket", ctx.socket_path, "seismod control socket")->capture_default_str();
  app.add_option("-o,--output", ctx.output, "Output format: table, json or yaml")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "yaml"}));
  add_status_command(app, ctx);
  add_top_command(app, ctx);
  add_pods_command(app, ctx);
  add_trace_command(app, ctx);
  add_doctor_command(app, ctx);
  add_fault_command(app, ctx);
  add_apply_command(app, ctx);
  add_convert_command(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 reports a missing subcommand before words it did not know, so
    // `seismo fault explode` would only say a subcommand is required.
    if (auto extra = app.remaining(true); !extra.empty() && e.get_name() == "RequiredError") {
      std::cerr << "seismo: unknown subcommand or argument '" << extra.front() << "'\n"
                << "Run with --help for more information.\n";
      return e.get_exit_code();
    }
    return app.exit(e);
  } catch (const CommandFailed& f) {
    std::cerr << "seismo: " << f.message << "\n";
    return f.exit_code;
  } catch (const std::exception& e) {
    std::cerr << "seismo: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
