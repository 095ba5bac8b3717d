target_link_libraries(test_http PRIVATE PkgConfig::HTTPLIB)
