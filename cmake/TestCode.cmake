# How the gtest files themselves (not the libraries under test) are built.
#
# A test file is mostly gtest macros and templates instantiated once; at -O2 -g
# compiling it costs 2-3x what -Og does (server_test.cpp: 19.5 CPU s at -O2,
# 11 at -Og, 9.4 with the shared header below), while what it tests (the
# libraries, seismod, the workloads and traffic helpers in the support
# libraries) keeps the project's -O2. What a test checks does not depend on how
# fast its own assertions run. clang's -Og is -O1 (as slow as -O2 here), so
# clang test files build at -O0.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set(SEISMO_TEST_CODE_OPTIONS -Og)
else()
  set(SEISMO_TEST_CODE_OPTIONS -O0)
endif()

# seismo_test_pch: the external headers nearly every test file parses
# (gtest, nlohmann/json, fmt), precompiled once. A test reusing it must be
# compiled with the same -O and definitions it was (GCC 12 crashes, not
# falls back, on an -Og header in an -O2 file), so seismo_test_code_options
# sets both together and only on tests that link the project's libraries
# (their definitions, FMT_SHARED and gtest's, are the header's).
function(seismo_add_test_pch)
  add_library(seismo_test_pch STATIC ${CMAKE_SOURCE_DIR}/tests/test_pch.cpp)
  target_link_libraries(seismo_test_pch PRIVATE GTest::gtest fmt::fmt nlohmann_json::nlohmann_json)
  target_compile_options(seismo_test_pch PRIVATE ${SEISMO_WARNINGS} -Wno-conversion ${SEISMO_TEST_CODE_OPTIONS})
  target_precompile_headers(seismo_test_pch PRIVATE
    <gtest/gtest.h> <nlohmann/json.hpp> <fmt/format.h>
    <algorithm> <atomic> <chrono> <filesystem> <functional> <map> <memory> <optional> <set> <string>
    <thread> <vector>)
endfunction()

# seismo_test_code_options(<dir>...): every gtest executable defined in <dir>
# builds its own files with SEISMO_TEST_CODE_OPTIONS and, when it links a
# seismo_* library, the shared precompiled header.
function(seismo_test_code_options)
  foreach(dir ${ARGN})
    get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(t ${targets})
      get_target_property(type ${t} TYPE)
      get_target_property(libs ${t} LINK_LIBRARIES)
      if(NOT type STREQUAL "EXECUTABLE" OR NOT "GTest::gtest_main" IN_LIST libs)
        continue()
      endif()
      target_compile_options(${t} PRIVATE ${SEISMO_TEST_CODE_OPTIONS})
      list(FILTER libs INCLUDE REGEX "^seismo_")
      if(libs)
        target_precompile_headers(${t} REUSE_FROM seismo_test_pch)
      endif()
    endforeach()
  endforeach()
endfunction()
