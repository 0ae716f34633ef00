# End-to-end tests of `omnipower read` (tools/) against `omnipower-sim --optical` (ports/posix):
# IEC 62056-21 modes A and C and programming mode over TCP and over a pseudo-terminal, checked
# against the simulator's registers, the instantaneous values of a replayed sine load against
# values computed from its parameters, plus the reader's error paths. The script uses POSIX sh and
# python3.
if(TARGET omnipower-tool AND TARGET omnipower-sim)
  find_program(OMP_PYTHON3 python3)
  if(OMP_PYTHON3)
    foreach(case tcp pty instant errors)
      add_test(NAME tool_read_${case}
               COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tool_read.sh
                       $<TARGET_FILE:omnipower-tool> $<TARGET_FILE:omnipower-sim> ${case})
      set_tests_properties(tool_read_${case} PROPERTIES LABELS "e2e" TIMEOUT 300
                           ENVIRONMENT "PYTHON3=${OMP_PYTHON3}")
    endforeach()
  else()
    message(STATUS "python3 not found: tool_read tests skipped")
  endif()
endif()
