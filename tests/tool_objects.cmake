# docs/cosem-objects.md is the output of `omnipower objects` (the object table of lib/cosem): this
# test fails when the table changed and the document was not regenerated
# (build/dev/tools/omnipower objects > docs/cosem-objects.md).
if(TARGET omnipower-tool)
  add_test(NAME tool_objects_doc
           COMMAND sh -c "\"$1\" objects | diff -u \"$2\" -" sh
                   $<TARGET_FILE:omnipower-tool> ${PROJECT_SOURCE_DIR}/docs/cosem-objects.md)
  set_tests_properties(tool_objects_doc PROPERTIES LABELS "e2e" TIMEOUT 60)
endif()
