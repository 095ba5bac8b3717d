target_link_libraries(test_vector PRIVATE PkgConfig::HTTPLIB PkgConfig::XXHASH)
