# The build follows the folders: each source folder is one layer, and each layer is one static
# library that links only the layers it may use. aap_add_layer() records every layer in
# ${CMAKE_BINARY_DIR}/aap-layers.txt, which scripts/check-layers.sh reads to fail on an #include of a
# layer that is not listed (ctest `layering`, and .ci/run).
#
#   aap_add_layer(<library> FOLDERS <folder>... [LAYERS <library>...] [LINKS <target>...])
#
# FOLDERS are below the calling CMakeLists.txt's folder, which is the include root
# (#include "http/HeadScanner.h"). Every .cpp/.h below them is compiled, so new class files need no
# CMake edit; windows/ subfolders only on Windows (on Linux, installer/windows cross-builds the Qt-free
# ones with mingw-w64). LAYERS are the aap_*
# libraries whose headers this layer includes directly; LINKS the external ones (Qt6::Network,
# OpenSSL::SSL, ...).
set(AAP_LAYERS_FILE ${CMAKE_BINARY_DIR}/aap-layers.txt)
file(WRITE ${AAP_LAYERS_FILE} "# library root folders allowed-libraries (written by cmake/AapLayers.cmake)\n")

function(aap_add_layer name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "FOLDERS;LAYERS;LINKS")
  if(NOT arg_FOLDERS OR arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "aap_add_layer(${name}): needs FOLDERS, got '${arg_UNPARSED_ARGUMENTS}'")
  endif()
  set(sources)
  foreach(folder IN LISTS arg_FOLDERS)
    file(GLOB_RECURSE found CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${folder}/*.cpp
         ${CMAKE_CURRENT_SOURCE_DIR}/${folder}/*.h)
    # windows/ folders hold Win32 code.
    foreach(source IN LISTS found)
      file(RELATIVE_PATH relative ${CMAKE_CURRENT_SOURCE_DIR} ${source})
      if(WIN32 OR NOT relative MATCHES "(^|/)windows/")
        list(APPEND sources ${source})
      endif()
    endforeach()
  endforeach()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC aap_options ${arg_LAYERS} ${arg_LINKS})

  file(RELATIVE_PATH root ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  list(JOIN arg_FOLDERS "," folders)
  list(JOIN arg_LAYERS "," layers)
  if(NOT layers)
    set(layers "-")
  endif()
  file(APPEND ${AAP_LAYERS_FILE} "${name} ${root} ${folders} ${layers}\n")
endfunction()
