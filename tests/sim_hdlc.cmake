# End to end: omnipower-sim --hdlc tcp:PORT read with the library's own DLMS client helpers over
# HDLC (tests/sim_dlms_client.c --hdlc; the client target comes from sim_dlms.cmake).
if(TARGET omnipower-sim AND OMP_HAVE_DLMS_CLIENT)
  add_test(NAME sim_hdlc COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim_hdlc.sh
                                 $<TARGET_FILE:omnipower-sim> $<TARGET_FILE:sim_dlms_client>)
  set_tests_properties(sim_hdlc PROPERTIES LABELS "e2e" TIMEOUT 120)
endif()
