# The web interface (web/, docs/web.md): type-checked with tsc, bundled by Vite into
# ${CMAKE_BINARY_DIR}/web_dist, then every built file compiled into the binary as web_assets()
# (src/server/web_ui.h), so the page works offline. Needs Node.js and the npm packages that
# scripts/setup.sh installs (web/node_modules -> build/deps/web_node); without them the build
# says so here and `memgpt server` answers / with 501 "not in this build".
find_program(MEMGPT_NODE node)
set(web_dir ${CMAKE_SOURCE_DIR}/web)
set(web_dist ${CMAKE_BINARY_DIR}/web_dist)
set(web_assets_cpp ${CMAKE_BINARY_DIR}/web_assets.cpp)
set(MEMGPT_WEB_BUILT OFF CACHE INTERNAL "whether the web interface is built into the binary")
if(MEMGPT_NODE AND EXISTS ${web_dir}/node_modules/vite/bin/vite.js AND EXISTS ${web_dir}/node_modules/typescript/bin/tsc)
  set(MEMGPT_WEB_BUILT ON CACHE INTERNAL "whether the web interface is built into the binary")
  file(GLOB_RECURSE web_sources CONFIGURE_DEPENDS ${web_dir}/src/* ${web_dir}/public/*)
  add_custom_command(
    OUTPUT ${web_assets_cpp}
    COMMAND ${MEMGPT_NODE} node_modules/typescript/bin/tsc --noEmit -p .
    COMMAND ${MEMGPT_NODE} node_modules/vite/bin/vite.js build --logLevel warn --outDir ${web_dist} --emptyOutDir
    COMMAND ${CMAKE_COMMAND} -DOUT=${web_assets_cpp} -DFN=web_assets -DBASE=${web_dist}
            -P ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    WORKING_DIRECTORY ${web_dir}
    DEPENDS ${web_sources} ${web_dir}/index.html ${web_dir}/vite.config.ts ${web_dir}/tsconfig.json
            ${web_dir}/package-lock.json ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    COMMENT "Building the web interface (tsc, vite build)"
    VERBATIM)
else()
  message(WARNING "memgpt: the web interface is NOT built into this binary: it needs node and the npm "
                  "packages that scripts/setup.sh installs (web/node_modules). `memgpt server` will "
                  "answer / with 501 until you run scripts/setup.sh and build again.")
  add_custom_command(
    OUTPUT ${web_assets_cpp}
    COMMAND ${CMAKE_COMMAND} -DOUT=${web_assets_cpp} -DFN=web_assets -DBASE=${web_dir} -DFILES=
            -P ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    DEPENDS ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    COMMENT "Embedding no web interface (Node.js or web/node_modules missing)"
    VERBATIM)
endif()
