# The layering check (cmake/CheckLayers.cmake) on two fixture trees: `good`
# must pass, `bad` must fail naming each refused include, and nothing else.
#   cmake -DSEISMO_SOURCE=<source root> -P layers_test.cmake
set(_checker ${SEISMO_SOURCE}/cmake/CheckLayers.cmake)
set(_fixtures ${SEISMO_SOURCE}/tests/unit/layers)

function(run_checker root out_rc out_text)
  execute_process(COMMAND ${CMAKE_COMMAND} -DSEISMO_ROOT=${root} -P ${_checker}
                  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  set(${out_rc} "${_rc}" PARENT_SCOPE)
  set(${out_text} "${_out}${_err}" PARENT_SCOPE)
endfunction()

run_checker(${_fixtures}/good _rc _text)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "the good tree was refused (rc ${_rc}):\n${_text}")
endif()

run_checker(${_fixtures}/bad _rc _text)
if(_rc EQUAL 0)
  message(FATAL_ERROR "the bad tree passed the layering check:\n${_text}")
endif()
set(_expected
  "userspace/pods/pod_engine.cpp includes chaos/fault_engine.h: pods may include only common, cgroup, net"
  "userspace/pods/pod_series.h includes <metrics/signal.h>: pods may include only common, cgroup, net"
  "cli/trace.cpp includes <bpf/libbpf.h>: cli may include only common, api, doctor"
  "cli/trace.cpp includes probes/syscalls.h: cli may include only common, api, doctor"
  "userspace/gadgets/ has no row in the layering table (cmake/Layers.cmake)")
foreach(_line IN LISTS _expected)
  string(FIND "${_text}" "${_line}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "missing from the checker's output: '${_line}'\noutput:\n${_text}")
  endif()
endforeach()
list(LENGTH _expected _want)
if(NOT _text MATCHES "layering: ${_want} refused")
  message(FATAL_ERROR "expected exactly ${_want} refusals:\n${_text}")
endif()
message(STATUS "layering check: good tree passes, bad tree refused with ${_want} named includes")
