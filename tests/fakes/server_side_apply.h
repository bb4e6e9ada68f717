#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "kube_resource.h"

namespace seismo::fakes {

// Server-side apply over JSON, after sigs.k8s.io/structured-merge-diff
// (merge/update.go Updater.Apply) and k8s.io/apimachinery
// pkg/util/managedfields: each manager owns a set of field paths, recorded in
// metadata.managedFields as FieldsV1 ("f:status": {"f:nodes": {"k:{\"node\":
// \"n1\"}": {".": {}, "f:phase": {}}}}).
//  - The applied configuration is merged into the live object: maps field by
//    field, list-maps item by key (KubeResource::list_map_keys), every other
//    list replaced whole (atomic).
//  - A field in the configuration whose value differs from the live one and
//    that another manager owns is a conflict: 409 listing each one
//    (managedfields/internal/conflict.go NewConflictError), unless `force`,
//    which moves the field to the applier.
//  - A field the manager owned before and no longer applies is removed from
//    the object unless another manager owns it; a list-map item goes when
//    no other manager owns anything in it.
//  - Applying to /status takes only the status part (the status strategy
//    resets the rest); to the main resource of a type with a status
//    subresource, everything but status.
// Not implemented: the `v:` set-list elements, type checks against a schema,
// apply to a missing object through /status (404, as upstream).
using FieldPath = std::vector<std::string>;  // FieldsV1 elements: "f:spec", "k:{...}", "."
using FieldSet = std::set<FieldPath>;

struct ApplyRequest {
  const KubeResource* resource = nullptr;
  std::string manager;
  bool force = false;
  std::string subresource;  // "" or "status"
  std::string now;          // RFC 3339, the managedFields entry's time
};

struct ApplyOutcome {
  int status = 200;  // 409 on a conflict (then `object` is the Status body)
  nlohmann::json object;
};

// `live` is null when the object does not exist yet (apply creates it).
[[nodiscard]] ApplyOutcome server_side_apply(const nlohmann::json& live, const nlohmann::json& config,
                                             const ApplyRequest& req);

// A create/update (POST/PUT) by `req.manager`: the fields it changed become
// its own (operation Update) and leave every other manager, fields that no
// longer exist leave everyone (structured-merge-diff Updater.Update).
void record_update(const nlohmann::json& old_object, nlohmann::json& new_object, const ApplyRequest& req);

// The leaf paths of `value` (a whole object or a part under `prefix_dotted`).
[[nodiscard]] FieldSet field_set_of(const nlohmann::json& value, const KubeResource& resource,
                                    const std::string& prefix_dotted = "");
[[nodiscard]] nlohmann::json encode_fields_v1(const FieldSet& set);
[[nodiscard]] FieldSet decode_fields_v1(const nlohmann::json& fields);
// `.status.nodes[node="n1"].phase`, as upstream prints a conflict's path.
[[nodiscard]] std::string path_string(const FieldPath& path);

}  // namespace seismo::fakes
