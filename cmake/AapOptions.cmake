# Compile options every target of the project gets through the aap_options interface target.
add_library(aap_options INTERFACE)

target_compile_options(aap_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                             -Wold-style-cast -Wcast-align -Woverloaded-virtual)
if(AAP_WERROR)
  target_compile_options(aap_options INTERFACE -Werror)
endif()

# Qt strictness: no implicit char* <-> QString conversions, no connects without a context object
# (QT_NO_CONTEXTLESS_CONNECT takes effect from Qt 6.7; on Debian's 6.4 scripts/lint.sh checks it).
target_compile_definitions(aap_options INTERFACE
  QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_CAST_FROM_BYTEARRAY QT_NO_URL_CAST_FROM_STRING
  QT_NO_NARROWING_CONVERSIONS_IN_CONNECT QT_NO_CONTEXTLESS_CONNECT QT_NO_FOREACH
  QT_USE_QSTRINGBUILDER
  AAP_VERSION="${PROJECT_VERSION}")

if(AAP_TEST_HOOKS)
  target_compile_definitions(aap_options INTERFACE AAP_TEST_HOOKS)
endif()

if(AAP_SANITIZE)
  target_compile_options(aap_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                               -fno-sanitize-recover=undefined)
  target_link_options(aap_options INTERFACE -fsanitize=address,undefined)
endif()


if(AAP_SANITIZE_THREAD)
  if(AAP_SANITIZE)
    message(FATAL_ERROR "AAP_SANITIZE_THREAD and AAP_SANITIZE cannot be combined (ASan and TSan exclude each other)")
  endif()
  target_compile_options(aap_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(aap_options INTERFACE -fsanitize=thread)
endif()
