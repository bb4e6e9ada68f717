// seismo apply -f spec.yaml: applies the faults of a YAML or JSON document,
// all or none. The text goes to seismod as is; one parser (the daemon's)
// knows the schema.
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "context.h"
#include "output.h"

namespace seismo::cli {

void add_apply_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("apply", "Apply the faults of a YAML or JSON file (docs/faults.md), all or none");
  auto file = std::make_shared<std::string>();
  cmd->add_option("-f,--filename", *file, "Fault document ('-' reads stdin)")->required();
  cmd->callback([&ctx, file] {
    std::string text;
    if (*file == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
      std::ifstream in(*file);
      if (!in) throw CommandFailed{"cannot read " + *file};
      std::stringstream buf;
      buf << in.rdbuf();
      text = buf.str();
    }
    auto r = ctx.call("fault.apply", {{"document", text}});
    if (!r) throw CommandFailed{r.error().message()};
    if (ctx.format() == OutputFormat::json) return print_json(*r);
    if (ctx.format() == OutputFormat::yaml) return print_yaml(*r);
    for (const auto& f : (*r)["faults"]) std::cout << "fault " << f.value("name", "?") << " applied\n";
  });
}

}  // namespace seismo::cli
