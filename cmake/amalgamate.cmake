# Makes an installable, self-contained public header from an in-tree one.
#   cmake -DROOT=<source dir> -DINPUT=<header> -DOUTPUT=<file> -P cmake/amalgamate.cmake
# Writes INPUT with every `#include "core/..."` line replaced by the text of ROOT/core/...,
# recursively: a header (.hpp, .h) at its first include only (its `#pragma once` dropped), a
# .def table at every include (an X-macro table is included once per thing generated from it;
# its comment lines are kept at the first include only). Other includes (<...>) stay as they
# are. OUTPUT is rewritten only when its text changes, so dependents do not rebuild needlessly.
cmake_minimum_required(VERSION 3.21)
foreach(var ROOT INPUT OUTPUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "amalgamate.cmake: -D${var}=... is required")
  endif()
endforeach()

set(include_pattern "\n[ \t]*#[ \t]*include[ \t]*\"(core/[^\"]+)\"[^\n]*")

# Sets out_var to the text of `path` with its core/ includes inlined.
function(amalgamate_file path out_var)
  file(READ "${path}" text)
  set(text "\n${text}")  # every include line now starts with "\n"
  set(result "")
  while(TRUE)
    string(REGEX MATCH "${include_pattern}" match "${text}")
    if(match STREQUAL "")
      break()
    endif()
    set(included "${CMAKE_MATCH_1}")
    string(FIND "${text}" "${match}" at)
    string(SUBSTRING "${text}" 0 ${at} before)
    string(LENGTH "${match}" match_length)
    math(EXPR after_start "${at} + ${match_length}")
    string(SUBSTRING "${text}" ${after_start} -1 text)
    string(APPEND result "${before}")

    if(NOT EXISTS "${ROOT}/${included}")
      message(FATAL_ERROR "amalgamate.cmake: ${path} includes ${included}, not found under ${ROOT}")
    endif()
    get_property(seen GLOBAL PROPERTY amalgamate_seen)
    list(FIND seen "${included}" seen_index)
    if(included MATCHES "\\.def$")
      amalgamate_file("${ROOT}/${included}" body)
      string(REGEX REPLACE "\n$" "" body "\n${body}")
      if(NOT seen_index EQUAL -1)
        string(REGEX REPLACE "\n[ \t]*//[^\n]*" "" body "${body}")  # the table's documentation once
      endif()
      set_property(GLOBAL APPEND PROPERTY amalgamate_seen "${included}")
      string(APPEND result "\n/* ---- ${included} (inlined) */${body}\n/* ---- end of ${included} */")
    elseif(seen_index EQUAL -1)
      set_property(GLOBAL APPEND PROPERTY amalgamate_seen "${included}")
      amalgamate_file("${ROOT}/${included}" body)
      string(REGEX REPLACE "\n$" "" body "\n${body}")
      string(REGEX REPLACE "\n[ \t]*#[ \t]*pragma[ \t]+once[^\n]*" "" body "${body}")
      string(APPEND result "\n/* ---- ${included} (inlined) */${body}\n/* ---- end of ${included} */")
    endif()
  endwhile()
  string(APPEND result "${text}")
  string(SUBSTRING "${result}" 1 -1 result)  # drop the "\n" added above
  set(${out_var} "${result}" PARENT_SCOPE)
endfunction()

set_property(GLOBAL PROPERTY amalgamate_seen "")
amalgamate_file("${INPUT}" amalgamated)
file(RELATIVE_PATH input_name "${ROOT}" "${INPUT}")
set(amalgamated "/* Generated from ${input_name} by cmake/amalgamate.cmake: edit those, not this. */\n${amalgamated}")
file(WRITE "${OUTPUT}.tmp" "${amalgamated}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
