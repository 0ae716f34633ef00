# End to end: omnipower-sim --dlms tcp:PORT read with the library's own DLMS client helpers
# (tests/sim_dlms_client.c): both associations, the object list in blocks, every readable
# attribute, refusals, the association ending with the connection.
if(TARGET omnipower-sim AND OMP_HAVE_DLMS_CLIENT)
  add_executable(sim_dlms_client ${CMAKE_CURRENT_SOURCE_DIR}/sim_dlms_client.c)
  target_link_libraries(sim_dlms_client PRIVATE omnipower omnipower_posix omp_build_flags)
  target_compile_definitions(sim_dlms_client PRIVATE _DEFAULT_SOURCE)
  add_test(NAME sim_dlms COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim_dlms.sh
                                 $<TARGET_FILE:omnipower-sim> $<TARGET_FILE:sim_dlms_client>)
  set_tests_properties(sim_dlms PROPERTIES LABELS "e2e" TIMEOUT 120)
endif()
