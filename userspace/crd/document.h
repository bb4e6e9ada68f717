#pragma once

// Documents from users, YAML or JSON, read into JSON values with bounds on
// size, nesting and alias expansion (pure; no kernel). The fault documents
// of `seismo apply` (chaos/spec_document.h) and the Kubernetes-style
// documents (NetworkFault, Chaos Mesh's NetworkChaos) are both read here.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "crd/network_fault.h"

namespace seismo::crd {

inline constexpr size_t kMaxDocumentBytes = 64 * 1024;
inline constexpr int kMaxDocumentDepth = 16;  // nesting levels, JSON and YAML
// Values (scalars, lists, maps) a text may expand to. 64 KiB without
// aliases holds at most ~32k; aliases can name millions in a few lines.
inline constexpr size_t kMaxDocumentNodes = 65536;
inline constexpr size_t kMaxNetworkFaultsPerText = 64;

// Reads `text` into its documents: JSON text (starting with '{' or '[') is
// one document; YAML may hold several separated by '---' (an empty one is
// null). `what` starts the errors about the whole text ("fault document of
// 70000 bytes exceeds the 65536 byte limit", "fault document nests deeper
// than 16 levels (at faults[0].x)"). Errors are EINVAL, EMSGSIZE (too big),
// and say where ("malformed YAML: line 3, column 5: ...").
[[nodiscard]] Result<std::vector<nlohmann::json>> read_documents(std::string_view text, std::string_view what);

// Whether a document is a Kubernetes object (it has apiVersion or kind,
// which seismo's own fault schema never has).
[[nodiscard]] bool is_kubernetes_object(const nlohmann::json& document);
// Whether any document of `text` is one: the daemon's fault.apply routes the
// text to read_network_faults rather than its own fault schema, which then
// names a kind it does not take. False when the text is unreadable.
[[nodiscard]] bool has_kubernetes_kinds(std::string_view text);
// The same over documents already read (read_documents); a top-level list
// holding one counts too (it is refused by read_network_faults, naming List).
[[nodiscard]] bool has_kubernetes_kinds(const std::vector<nlohmann::json>& documents);

// Every NetworkFault and NetworkChaos (converted) of `text`, read with
// require_identity = false (documents a user wrote). A `kind: List` holds
// them in `items`. Errors name the document: "document 2: spec.loss.loss: ...".
// Any other kind is an error naming it.
[[nodiscard]] Result<std::vector<NetworkFault>> read_network_faults(std::string_view text);
// The same over documents already read (read_documents); each object is parsed once.
[[nodiscard]] Result<std::vector<NetworkFault>> read_network_faults(const std::vector<nlohmann::json>& documents);

// The same as NetworkFault objects (JSON, NetworkChaos converted), for
// `seismo convert`: every NetworkChaos as its NetworkFault, each checked.
[[nodiscard]] Result<std::vector<nlohmann::json>> network_fault_objects(std::string_view text);

}  // namespace seismo::crd
