# seismo_check_layers(DIRECTORIES dir...): runs cmake/CheckLayers.cmake as a
# build step that every library and executable defined in those directories
# waits for, so an include the layering table (cmake/Layers.cmake) refuses
# fails the build before anything compiles. Re-runs when a source, the table
# or the checker changes (the glob is re-read at each build).
function(seismo_check_layers)
  cmake_parse_arguments(ARG "" "" "DIRECTORIES" ${ARGN})
  set(_sources "")
  foreach(_dir IN LISTS ARG_DIRECTORIES)
    file(GLOB_RECURSE _found CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${_dir}/*.h ${CMAKE_SOURCE_DIR}/${_dir}/*.cpp)
    list(APPEND _sources ${_found})
  endforeach()
  set(_stamp ${CMAKE_BINARY_DIR}/layers.stamp)
  add_custom_command(
    OUTPUT ${_stamp}
    COMMAND ${CMAKE_COMMAND} -DSEISMO_ROOT=${CMAKE_SOURCE_DIR} -P ${CMAKE_SOURCE_DIR}/cmake/CheckLayers.cmake
    COMMAND ${CMAKE_COMMAND} -E touch ${_stamp}
    DEPENDS ${_sources} ${CMAKE_SOURCE_DIR}/cmake/Layers.cmake ${CMAKE_SOURCE_DIR}/cmake/CheckLayers.cmake
    COMMENT "Checking includes against the layering table (cmake/Layers.cmake)"
    VERBATIM)
  add_custom_target(seismo_layers DEPENDS ${_stamp})
  foreach(_dir IN LISTS ARG_DIRECTORIES)
    get_property(_targets DIRECTORY ${CMAKE_SOURCE_DIR}/${_dir} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(_target IN LISTS _targets)
      get_target_property(_type ${_target} TYPE)
      if(_type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$")
        add_dependencies(${_target} seismo_layers)
      endif()
    endforeach()
  endforeach()
endfunction()
