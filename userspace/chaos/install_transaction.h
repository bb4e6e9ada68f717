#pragma once

#include <memory>
#include <vector>

#include "chaos/install_steps.h"

namespace seismo::chaos {

class FaultRegistry;

// The steps of one install, undone newest first when the transaction is
// destroyed without commit(). commit() hands every step to the registry.
class InstallTransaction {
 public:
  InstallTransaction() = default;
  ~InstallTransaction() {
    while (!steps_.empty()) steps_.pop_back();
  }
  InstallTransaction(const InstallTransaction&) = delete;
  InstallTransaction& operator=(const InstallTransaction&) = delete;

  template <class Step>
  Step& add(std::unique_ptr<Step> step) {
    Step& ref = *step;
    steps_.push_back(std::move(step));
    return ref;
  }
  void commit(FaultRegistry& registry) {
    for (auto& s : steps_) s->keep(registry);
    steps_.clear();
  }

 private:
  std::vector<std::unique_ptr<InstallStep>> steps_;
};

}  // namespace seismo::chaos
