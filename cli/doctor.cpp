// seismo doctor: what this kernel and host support, without the daemon.
#include <iostream>

#include <fmt/format.h>

#include "context.h"
#include "doctor/doctor.h"
#include "output.h"

namespace seismo::cli {

void add_doctor_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("doctor", "Check BTF, capabilities, filesystems, BPF features and qdiscs (no daemon needed)");
  cmd->callback([&ctx] {
    auto findings = doctor::run_checks();
    bool failed = false;
    for (const auto& f : findings) failed |= f.verdict == doctor::Verdict::fail;
    if (ctx.format() == OutputFormat::json) {
      print_json(doctor::to_json(findings));
    } else if (ctx.format() == OutputFormat::yaml) {
      print_yaml(doctor::to_json(findings));
    } else {
      std::string area;
      for (const auto& f : findings) {
        if (f.area != area) {
          area = f.area;
          std::cout << "\n" << area << "\n";
        }
        std::cout << fmt::format("  {:<4}  {:<20} {}\n", doctor::verdict_name(f.verdict), f.name, f.detail);
        if (f.verdict != doctor::Verdict::ok) {
          std::cout << fmt::format("        {:<20} needed for: {}\n", "", f.needed_for);
          std::cout << fmt::format("        {:<20} fix: {}\n", "", f.fix);
        }
      }
    }
    if (failed) throw CommandFailed{"some checks failed (see FAIL lines)", 1};
  });
}

}  // namespace seismo::cli
