# Compiles CO-RE BPF objects with clang and turns them into bpftool skeletons.
#
#   add_bpf_skeleton(<name> SOURCE bpf/<name>.bpf.c)
#
# creates an INTERFACE target `<name>_skel` whose include directory holds
# `<name>.skel.h`. Objects and skeletons live only in the build tree. A depfile
# makes edits to any included header rebuild the object.

find_program(SEISMO_CLANG NAMES clang clang-16 clang-15 clang-14
             DOC "clang able to target BPF")
if(NOT SEISMO_CLANG)
  message(FATAL_ERROR "clang not found: install Debian's 'clang' package (needed to compile bpf/*.bpf.c)")
endif()
find_program(SEISMO_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin DOC "bpftool for skeletons")
if(NOT SEISMO_BPFTOOL)
  message(FATAL_ERROR "bpftool not found: install Debian's 'bpftool' package from bookworm-backports")
endif()
find_program(SEISMO_LLVM_STRIP NAMES llvm-strip llvm-strip-16 llvm-strip-15 llvm-strip-14)

set(SEISMO_VMLINUX_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH
    "BTF blob vmlinux.h is generated from (CO-RE relocates against the running kernel at load)")
set(SEISMO_BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf-gen)
file(MAKE_DIRECTORY ${SEISMO_BPF_GEN_DIR})

if(NOT EXISTS ${SEISMO_VMLINUX_BTF})
  message(FATAL_ERROR "${SEISMO_VMLINUX_BTF} is missing: the kernel needs CONFIG_DEBUG_INFO_BTF=y, "
                      "or pass -DSEISMO_VMLINUX_BTF=<path to a vmlinux with BTF>")
endif()
add_custom_command(
  OUTPUT ${SEISMO_BPF_GEN_DIR}/vmlinux.h
  COMMAND ${SEISMO_BPFTOOL} btf dump file ${SEISMO_VMLINUX_BTF} format c > ${SEISMO_BPF_GEN_DIR}/vmlinux.h.tmp
  COMMAND ${CMAKE_COMMAND} -E rename ${SEISMO_BPF_GEN_DIR}/vmlinux.h.tmp ${SEISMO_BPF_GEN_DIR}/vmlinux.h
  COMMENT "Generating vmlinux.h from ${SEISMO_VMLINUX_BTF}"
  VERBATIM)
add_custom_target(seismo_vmlinux_h DEPENDS ${SEISMO_BPF_GEN_DIR}/vmlinux.h)

function(add_bpf_skeleton name)
  cmake_parse_arguments(ARG "" "SOURCE" "" ${ARGN})
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "add_bpf_skeleton(${name}) needs SOURCE")
  endif()
  get_filename_component(src ${ARG_SOURCE} ABSOLUTE BASE_DIR ${CMAKE_SOURCE_DIR})
  set(obj ${SEISMO_BPF_GEN_DIR}/${name}.bpf.o)
  set(skel ${SEISMO_BPF_GEN_DIR}/${name}.skel.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${SEISMO_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_x86 -mcpu=v3
            -Wall -Werror -Wno-unused-function
            -I${SEISMO_BPF_GEN_DIR} -I${CMAKE_SOURCE_DIR}/bpf -I${CMAKE_SOURCE_DIR}/bpf/include
            -MD -MF ${obj}.d -MT ${obj}
            -c ${src} -o ${obj}.unstripped
    COMMAND ${SEISMO_BPFTOOL} gen object ${obj} ${obj}.unstripped
    DEPENDS ${src} ${SEISMO_BPF_GEN_DIR}/vmlinux.h
    DEPFILE ${obj}.d
    COMMENT "BPF ${name}.bpf.c"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${SEISMO_BPFTOOL} gen skeleton ${obj} name ${name}_bpf > ${skel}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${skel}.tmp ${skel}
    DEPENDS ${obj}
    COMMENT "Skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel_gen DEPENDS ${skel})
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  target_include_directories(${name}_skel INTERFACE ${SEISMO_BPF_GEN_DIR} ${CMAKE_SOURCE_DIR}/bpf/include)
  target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF)
endfunction()
