# End-to-end tests of omnipower-sim (ports/posix): the command line, a persistent two-run session,
# reproducibility, an orderly exit on SIGTERM/SIGINT, and the replay of recorded samples
# (--samples), and a meter of a given type number and Z codes (--type-number, --config,
# --config-file), the JSON example of docs/simulator.md, NVM files it cannot read, and the logs
# it keeps and exports (--nvm-size, --export, --analysis). The scripts use POSIX sh and python3.
if(TARGET omnipower-sim)
  find_program(OMP_PYTHON3 python3)
  set(_sim $<TARGET_FILE:omnipower-sim>)
  add_test(NAME sim_help COMMAND omnipower-sim --help)
  set_tests_properties(sim_help PROPERTIES PASS_REGULAR_EXPRESSION "--speed X")
  add_test(NAME sim_usage COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim_usage.sh ${_sim})
  set_tests_properties(sim_help sim_usage PROPERTIES LABELS "e2e" TIMEOUT 60)
  if(OMP_PYTHON3)
    add_test(NAME sim_e2e COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim_e2e.sh ${_sim})
    add_test(NAME sim_signal COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim_signal.sh ${_sim})
    add_test(NAME sim_replay COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim_replay.sh ${_sim})
    add_test(NAME sim_config COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim_config.sh ${_sim})
    # NVM files the meter cannot read are refused and kept; --nvm-format
    add_test(NAME sim_nvm COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim_nvm.sh ${_sim})
    # the load profile in the NVM file (--nvm-size), --export load_profile and billing as CSV
    add_test(NAME sim_export COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim_export.sh ${_sim})
    # the analysis logger and the event logs (--analysis, --export analysis/events)
    add_test(NAME sim_logs COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim_logs.sh ${_sim})
    # --optical tcp: a reader gone in programming mode ends the session (omp_meter_link_lost)
    add_test(NAME sim_optical_relink
             COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim_optical_relink.sh ${_sim})
    # the JSON example of docs/simulator.md has the members of a real run
    add_test(NAME sim_json_doc COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim_json_doc.sh ${_sim}
                                       ${PROJECT_SOURCE_DIR}/docs/simulator.md)
    # power quality: the pq member of --json, the PQ display lines, --report (a scripted hour)
    add_test(NAME sim_pq COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim_pq.sh ${_sim})
    set_tests_properties(sim_e2e sim_signal sim_replay sim_config sim_json_doc sim_nvm sim_export
                         sim_logs sim_optical_relink sim_pq PROPERTIES
                         LABELS "e2e" TIMEOUT 300
                         ENVIRONMENT "PYTHON3=${OMP_PYTHON3}")
  else()
    message(STATUS "python3 not found: sim_e2e, sim_signal, sim_replay, sim_config, sim_nvm, "
                   "sim_json_doc, sim_export, sim_logs, sim_optical_relink and sim_pq tests skipped")
  endif()
endif()
