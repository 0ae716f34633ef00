# End to end: omnipower-sim --han tcp:0 pushes read from the socket (tests/han_reader.py) and
# decoded by `omnipower decode`, plain (NVE list 1) and ciphered (Danish list, --han-encrypt).
if(TARGET omnipower-sim AND TARGET omnipower-tool AND OMP_HAVE_DLMS)
  find_program(OMP_PYTHON3 python3)
  if(OMP_PYTHON3)
    foreach(case nve1 dk_encrypt)
      add_test(NAME sim_han_${case}
               COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim_han.sh $<TARGET_FILE:omnipower-sim>
                       $<TARGET_FILE:omnipower-tool> ${case})
      set_tests_properties(sim_han_${case} PROPERTIES LABELS "e2e" TIMEOUT 120
                           ENVIRONMENT "PYTHON3=${OMP_PYTHON3}")
    endforeach()
  else()
    message(STATUS "python3 not found: sim_han tests skipped")
  endif()
endif()
