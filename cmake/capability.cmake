# One static library per capability folder under src/, so the layering is enforced by the linker:
# a capability may only use what it names in DEPENDS. Sources are globbed recursively, so a new rule
# or step is a new file and a new subfolder (migrate/mariadb/, migrate/volume/) a new folder, not an
# edit here.
function(rehome_capability name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LIBS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  set(scope PUBLIC)
  if(sources)
    add_library(rehome_${name} STATIC ${sources})
  else()  # a capability not written yet: nothing to compile
    add_library(rehome_${name} INTERFACE)
    set(scope INTERFACE)
  endif()
  target_include_directories(rehome_${name} ${scope} ${PROJECT_SOURCE_DIR}/src)
  foreach(dep IN LISTS ARG_DEPENDS)
    target_link_libraries(rehome_${name} ${scope} rehome_${dep})
  endforeach()
  target_link_libraries(rehome_${name} ${scope} ${ARG_LIBS})
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
