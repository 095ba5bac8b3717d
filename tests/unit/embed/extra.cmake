target_link_libraries(test_embed PRIVATE PkgConfig::HTTPLIB)
