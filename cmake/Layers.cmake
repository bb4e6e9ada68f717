# The layering table: for each source folder, the folders its files may
# include. cmake/CheckLayers.cmake reads it at every build (before anything
# compiles) and fails the build on an include the table does not allow.
# A folder may always include its own files. Besides the folders:
#   libbpf  — <bpf/...> (libbpf's headers)
#   seismo  — "seismo/..." (bpf/include: structs shared with the BPF programs)
#   skel    — "*.skel.h" (skeletons generated from bpf/*.bpf.c)
# From the bottom up: kernel objects and feature probes, then identity
# (cgroup, pods), then what reads them out (metrics) or changes them (chaos),
# then the wiring (daemon) and, over the control socket (api), the CLI.
# Change a row only with the reason in docs/architecture.md ("Layers").
set(SEISMO_LAYERS common events cgroup net api bpf doctor probes pods crd metrics chaos cluster daemon cli)

set(SEISMO_LAYER_common "")
set(SEISMO_LAYER_events common)
set(SEISMO_LAYER_cgroup common)
set(SEISMO_LAYER_net common)
set(SEISMO_LAYER_api common)
set(SEISMO_LAYER_bpf common libbpf)
set(SEISMO_LAYER_doctor common cgroup libbpf)
set(SEISMO_LAYER_probes common bpf doctor libbpf seismo skel)
set(SEISMO_LAYER_pods common cgroup net)
# The NetworkFault resource and Chaos Mesh documents: a model over pod selectors, no kernel.
set(SEISMO_LAYER_crd common pods)
set(SEISMO_LAYER_metrics common events cgroup bpf probes pods libbpf seismo)
set(SEISMO_LAYER_chaos common cgroup net bpf doctor pods crd metrics libbpf seismo skel)
# Cluster mode: NetworkFault objects from the API applied to this node's pods through the fault engine.
set(SEISMO_LAYER_cluster common cgroup net pods crd metrics chaos)
set(SEISMO_LAYER_daemon common events cgroup net api bpf doctor probes pods crd metrics chaos cluster)
# The CLI talks to seismod over the control socket; `seismo doctor` is the
# one part that touches the kernel itself (through doctor/, which links libbpf).
set(SEISMO_LAYER_cli common api doctor crd)

# Where each folder lives, from the source root.
foreach(_layer IN LISTS SEISMO_LAYERS)
  set(SEISMO_LAYER_DIR_${_layer} userspace/${_layer})
endforeach()
set(SEISMO_LAYER_DIR_cli cli)
