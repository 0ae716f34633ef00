# cmake -DNM=<arm-none-eabi-nm> -DELF=<image> -P check-no-heap.cmake
# Fails if the linked image defines or references the C heap (malloc and friends, newlib's
# reentrant _malloc_r/_free_r, or _sbrk behind them).
execute_process(COMMAND ${NM} ${ELF} OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "check-no-heap: ${NM} ${ELF} failed (${rc})")
endif()
string(REGEX MATCHALL "[ \t](malloc|calloc|realloc|free|_malloc_r|_calloc_r|_realloc_r|_free_r|_sbrk|_sbrk_r)\n"
       hits "${syms}\n")
if(hits)
  string(REPLACE "\n" "" hits "${hits}")
  message(FATAL_ERROR "check-no-heap: ${ELF} contains heap symbols:${hits}")
endif()
message(STATUS "check-no-heap: no malloc/calloc/realloc/free in ${ELF}")
