# cmake -DQEMU=qemu-system-arm -DQEMU_ARGS=<list> -DELF=<image> -DTIMEOUT=<s> -DPASS_LINE=<text>
#       -P run-qemu.cmake
# Runs the self-test image under qemu with semihosting; passes only if qemu exits with status 0
# within TIMEOUT seconds and its output contains PASS_LINE as a whole line. qemu 7.2 writes
# semihosting console output (SYS_WRITE0) to its stderr when no -semihosting-config chardev is
# given, so both streams are searched.
execute_process(
  COMMAND ${QEMU} ${QEMU_ARGS} -kernel ${ELF}
  INPUT_FILE /dev/null
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE rc
  TIMEOUT ${TIMEOUT})
set(out "${out}${err}")
string(REPLACE "\r" "" out "${out}")
string(STRIP "${out}" shown)
message("${shown}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "qemu-selftest: FAILED: qemu exit status '${rc}' (timeout ${TIMEOUT} s)")
endif()
string(FIND "\n${out}\n" "\n${PASS_LINE}\n" at)
if(at EQUAL -1)
  message(FATAL_ERROR "qemu-selftest: FAILED: no line '${PASS_LINE}' in the output")
endif()
message(STATUS "qemu-selftest: passed")
