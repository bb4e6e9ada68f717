// seismo apply -f spec.yaml: applies the faults of a YAML or JSON document,
// all or none. The text goes to seismod as is; one parser (the daemon's)
// knows the schema.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "api/protocol.h"
#include "context.h"
#include "output.h"

namespace seismo::cli {
namespace {

// Reads at most one request's worth: `-f /dev/zero` (or a huge file) is
// refused instead of read until memory runs out.
std::string read_bounded(std::istream& in, const std::string& name) {
  std::string text;
  char chunk[65536];
  while (in.read(chunk, sizeof(chunk)) || in.gcount() > 0) {
    text.append(chunk, static_cast<size_t>(in.gcount()));
    if (text.size() > api::kMaxMessageBytes)
      throw CommandFailed{name + ": larger than the " + std::to_string(api::kMaxMessageBytes) +
                          " byte limit of a request"};
  }
  if (in.bad()) throw CommandFailed{"cannot read " + name + ": " + std::strerror(errno)};
  return text;
}

}  // namespace

std::string read_document_file(const std::string& file) {
  if (file == "-") return read_bounded(std::cin, "stdin");
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw CommandFailed{"cannot read " + file + ": it is a directory"};
  std::ifstream in(file, std::ios::binary);
  if (!in) throw CommandFailed{"cannot read " + file + ": " + std::strerror(errno)};
  return read_bounded(in, file);
}

void add_apply_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("apply", "Apply the faults of a YAML or JSON file (docs/faults.md), all or none");
  auto file = std::make_shared<std::string>();
  cmd->add_option("-f,--filename", *file, "Fault document ('-' reads stdin)")->required();
  cmd->callback([&ctx, file] {
    std::string text = read_document_file(*file);
    auto r = ctx.call("fault.apply", {{"document", text}});
    if (!r) throw CommandFailed{r.error().message()};
    if (ctx.format() == OutputFormat::json) return print_json(*r);
    if (ctx.format() == OutputFormat::yaml) return print_yaml(*r);
    for (const auto& f : (*r)["faults"]) std::cout << "fault " << f.value("name", "?") << " applied\n";
  });
}

}  // namespace seismo::cli
