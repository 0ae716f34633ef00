# End-to-end tests of the host tool `omnipower decode` (tools/): one test per DLMS vector file of
# ../shared/vectors (the vectors are copied into tool_decode.sh), plus the error paths and usage,
# and the example commands of docs/tool-decode.md as written (they read tests/vectors/).
# The wM-Bus and IEC 62056-21 vector files are not DLMS frames: not decoded by this tool.
if(TARGET omnipower-tool)
  find_program(OMP_PYTHON3 python3)
  if(OMP_PYTHON3)
    foreach(case no_han dk_han dlms_sessions errors docs)
      add_test(NAME tool_decode_${case}
               COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tool_decode.sh
                       $<TARGET_FILE:omnipower-tool> ${case})
      set_tests_properties(tool_decode_${case} PROPERTIES LABELS "e2e" TIMEOUT 60
                           ENVIRONMENT "PYTHON3=${OMP_PYTHON3}")
    endforeach()
  else()
    message(STATUS "python3 not found: tool_decode tests skipped")
  endif()
endif()
