# memgpt_embed_files(OUT_CPP NAMESPACE_FN files...)
# Generates a .cpp defining `std::span<const EmbeddedFile> <fn>()` with every file's bytes, so
# assets (prompts, personas) and data tables ship inside the single binary.
function(memgpt_embed_files out_cpp fn_name base_dir)
  set(files ${ARGN})
  set(deps)
  foreach(f IN LISTS files)
    list(APPEND deps "${base_dir}/${f}")
  endforeach()
  add_custom_command(
    OUTPUT "${out_cpp}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out_cpp} -DFN=${fn_name} -DBASE=${base_dir}
            "-DFILES=${files}" -P "${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake"
    DEPENDS ${deps} "${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake"
    COMMENT "Embedding ${fn_name}"
    VERBATIM)
endfunction()
