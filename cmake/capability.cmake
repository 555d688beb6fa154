# One static library per capability folder under src/. DEPENDS lists the capabilities whose headers it
# includes, and nothing else: links are PRIVATE (a dependency's own dependencies are linked, never
# visible), and the `layering` target (cmake/check_layers.cmake, run before any capability compiles)
# fails the build, naming the file and its #include, when a file includes a header of a capability its folder does not
# declare. Sources are globbed recursively, so a new rule or step is a new file and a new subfolder
# (migrate/mariadb/, migrate/volume/) a new folder, not an edit here.
function(rehome_capability name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LIBS" ${ARGN})
  # A folder named helper/ inside a capability holds a separate program with its own main() (today
  # src/migrate/volume/helper: a static binary the volume mover ships into throwaway containers, built
  # and embedded with objcopy by src/migrate/CMakeLists.txt), so its sources are not the library's. The
  # match is on the path below the capability's folder, so a checkout under some ".../helper/..."
  # directory is not affected.
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER sources EXCLUDE REGEX "(^|/)helper/")
  list(TRANSFORM sources PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/)
  set(scope PRIVATE)
  if(sources)
    add_library(rehome_${name} STATIC ${sources})
    target_include_directories(rehome_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  else()  # a capability not written yet: nothing to compile
    add_library(rehome_${name} INTERFACE)
    target_include_directories(rehome_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    set(scope INTERFACE)
  endif()
  foreach(dep IN LISTS ARG_DEPENDS)
    target_link_libraries(rehome_${name} ${scope} rehome_${dep})
  endforeach()
  target_link_libraries(rehome_${name} ${scope} ${ARG_LIBS})
  rehome_declare_layer(${name} ${CMAKE_CURRENT_SOURCE_DIR} "${ARG_DEPENDS}")
  if(TARGET rehome_layering)
    add_dependencies(rehome_${name} rehome_layering)
  endif()
endfunction()

# Records that the sources under `folder` may include headers of `name` itself and of `deps`;
# rehome_layering_check() writes them down for cmake/check_layers.cmake.
function(rehome_declare_layer name folder deps)
  string(REPLACE ";" "," deps_csv "${deps}")
  set_property(GLOBAL APPEND PROPERTY REHOME_LAYERS "${name}|${folder}|${deps_csv}")
endfunction()

# The `rehome_layering` target: checks every declared folder's #include "x/..." lines against its
# DEPENDS on every build (a grep of the sources, well under a second). Made before the capabilities
# (each depends on it); rehome_write_layers() writes their declarations once all are known.
function(rehome_layering_target)
  add_custom_target(rehome_layering ALL
    COMMAND ${CMAKE_COMMAND} -DLAYERS=${PROJECT_BINARY_DIR}/layers.txt -P ${PROJECT_SOURCE_DIR}/cmake/check_layers.cmake
    COMMENT "Checking every #include against the declared DEPENDS (cmake/check_layers.cmake)"
    VERBATIM)
endfunction()

function(rehome_write_layers)
  get_property(layers GLOBAL PROPERTY REHOME_LAYERS)
  string(REPLACE ";" "\n" text "${layers}")
  file(WRITE ${PROJECT_BINARY_DIR}/layers.txt "${text}\n")
endfunction()

# A GoogleTest binary from every .cpp in a folder; registered with ctest under a label.
function(rehome_test_folder target folder label)
  cmake_parse_arguments(ARG "" "TIMEOUT" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${folder}/*.cpp)
  if(NOT sources)
    return()
  endif()
  add_executable(${target} ${sources})
  target_link_libraries(${target} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  add_test(NAME ${target} COMMAND ${target} --gtest_color=no)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  set_tests_properties(${target} PROPERTIES LABELS ${label} TIMEOUT ${ARG_TIMEOUT})
endfunction()
