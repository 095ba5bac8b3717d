# Word documents are made in the tests with libzip.
pkg_check_modules(LIBZIP_SOURCES_TEST REQUIRED IMPORTED_TARGET libzip)
target_link_libraries(test_sources PRIVATE PkgConfig::LIBZIP_SOURCES_TEST)
