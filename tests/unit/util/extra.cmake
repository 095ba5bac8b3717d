target_link_libraries(test_util PRIVATE PkgConfig::HTTPLIB)
