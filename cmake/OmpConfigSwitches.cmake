# Reads the module switches of omnipower/config.h (with OMP_CONFIG_FILE applied) at configure
# time, so the build leaves out the tests, fuzz targets, benchmarks and tools of a switched-off
# module. The C preprocessor of the project's compiler evaluates config.h, so CMake sees exactly
# what the sources see (defaults, the user's header, and config_check.h's #errors, which stop the
# configure step with the compiler's message).
#
# Sets OMP_HAVE_IEC21, OMP_HAVE_DLMS, OMP_HAVE_DLMS_CLIENT and OMP_HAVE_DISPLAY to ON or OFF, and
# OMP_MODULE_SWITCHES to the list of switch names. Editing config.h or the OMP_CONFIG_FILE header
# re-runs the configure step.
set(OMP_MODULE_SWITCHES IEC21 DLMS DLMS_CLIENT DISPLAY)

function(omp_read_module_switches)
  set(probe ${PROJECT_BINARY_DIR}/omp_switches.c)
  set(text "#include \"omnipower/config.h\"\n")
  foreach(sw IN LISTS OMP_MODULE_SWITCHES)
    string(APPEND text "omp_switch ${sw} OMP_CONFIG_${sw}\n")
  endforeach()
  file(CONFIGURE OUTPUT ${probe} CONTENT "${text}" @ONLY)
  set(defs)
  if(OMP_CONFIG_FILE)
    set(defs "-DOMP_CONFIG_FILE=\"${OMP_CONFIG_FILE}\"")
  endif()
  separate_arguments(flags NATIVE_COMMAND "${CMAKE_C_FLAGS}") # e.g. -I of a bare OMP_CONFIG_FILE name
  execute_process(
    COMMAND ${CMAKE_C_COMPILER} ${flags} -E -P -I${PROJECT_SOURCE_DIR}/include ${defs} ${probe}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "omnipower/config.h (OMP_CONFIG_FILE='${OMP_CONFIG_FILE}') does not "
                        "preprocess:\n${err}")
  endif()
  set(summary)
  foreach(sw IN LISTS OMP_MODULE_SWITCHES)
    if(NOT out MATCHES "omp_switch ${sw} ([01])[ \t\r\n]")
      message(FATAL_ERROR "OMP_CONFIG_${sw}: not 0 or 1 after preprocessing:\n${out}")
    endif()
    if(CMAKE_MATCH_1)
      set(OMP_HAVE_${sw} ON PARENT_SCOPE)
    else()
      set(OMP_HAVE_${sw} OFF PARENT_SCOPE)
    endif()
    string(APPEND summary " ${sw}=${CMAKE_MATCH_1}")
  endforeach()
  message(STATUS "omnipower module switches:${summary}")
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${PROJECT_SOURCE_DIR}/include/omnipower/config.h
               ${PROJECT_SOURCE_DIR}/include/omnipower/config_check.h)
  if(OMP_CONFIG_FILE AND IS_ABSOLUTE "${OMP_CONFIG_FILE}" AND EXISTS "${OMP_CONFIG_FILE}")
    set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                 ${OMP_CONFIG_FILE})
  endif()
endfunction()

omp_read_module_switches()
