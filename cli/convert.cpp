// seismo convert -f chaos.yaml: Chaos Mesh NetworkChaos documents as
// NetworkFault objects (docs/cluster.md), offline: no daemon, no API server.
// Every document is checked as seismod would check it; a field seismo cannot
// honour is an error naming the document and the field.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <string>

#include "context.h"
#include "crd/document.h"
#include "output.h"

namespace seismo::cli {
namespace {

// A string a YAML reader (ours, or kubectl's YAML 1.1 one) would take for a
// number, a bool or null unless quoted: "30", "10s", "true", "no", "".
bool reads_as_other_type(const std::string& s) {
  if (s.empty()) return true;
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* word : {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"})
    if (lower == word) return true;
  const unsigned char c = static_cast<unsigned char>(s.front());
  return std::isdigit(c) || c == '-' || c == '+' || c == '.';
}

void emit_value(YAML::Emitter& out, const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : v.items()) {
        out << YAML::Key << key << YAML::Value;
        emit_value(out, item);
      }
      out << YAML::EndMap;
      return;
    case nlohmann::json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : v) emit_value(out, item);
      out << YAML::EndSeq;
      return;
    case nlohmann::json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (reads_as_other_type(s)) out << YAML::DoubleQuoted;
      out << s;
      return;
    }
    case nlohmann::json::value_t::boolean: out << v.get<bool>(); return;
    case nlohmann::json::value_t::number_integer: out << v.get<int64_t>(); return;
    case nlohmann::json::value_t::number_unsigned: out << v.get<uint64_t>(); return;
    case nlohmann::json::value_t::number_float: out << v.get<double>(); return;
    default: out << YAML::Null; return;
  }
}

// Documents separated by '---', strings that look like numbers quoted, so
// `kubectl apply -f` reads back exactly these values.
std::string faults_as_yaml(const std::vector<nlohmann::json>& faults) {
  std::string text;
  for (size_t i = 0; i < faults.size(); ++i) {
    YAML::Emitter out;
    emit_value(out, faults[i]);
    text += (i == 0 ? "" : "---\n") + std::string(out.c_str()) + "\n";
  }
  return text;
}

}  // namespace

void add_convert_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "convert",
      "Turn Chaos Mesh NetworkChaos documents into NetworkFault objects (docs/cluster.md), offline; "
      "NetworkFault documents pass through checked. Output: YAML ('---' between objects) or -o json");
  auto file = std::make_shared<std::string>();
  cmd->add_option("-f,--filename", *file, "NetworkChaos/NetworkFault document, YAML or JSON ('-' reads stdin)")
      ->required();
  cmd->callback([&ctx, file] {
    const std::string text = read_document_file(*file);
    auto faults = crd::network_fault_objects(text);
    if (!faults) throw CommandFailed{(*file == "-" ? std::string("stdin") : *file) + ": " + faults.error().context};
    if (ctx.format() == OutputFormat::json) {
      // Metadata is copied as written: bytes that are not UTF-8 print replaced rather than throw.
      const nlohmann::json doc = faults->size() == 1
                                     ? faults->front()
                                     : nlohmann::json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", *faults}};
      std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      return;
    }
    std::cout << faults_as_yaml(*faults);
  });
}

}  // namespace seismo::cli
