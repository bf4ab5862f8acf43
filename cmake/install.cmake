# Installation (included by the root CMakeLists.txt after the `exprvm` (static) and
# `exprvm_shared` targets): `cmake --install build --prefix P` installs
#   include/exprvm/exprvm.hpp, exprvm.h   self-contained copies (cmake/amalgamate.cmake)
#   lib/libexprvm.a, libexprvm.so.0.1     the static and the shared library
#   lib/cmake/exprvm/                     find_package(exprvm): exprvm::exprvm (shared),
#                                         exprvm::exprvm_static
#   lib/pkgconfig/exprvm.pc               pkg-config (relocatable: paths from its own place,
#                                         unless CMAKE_INSTALL_LIBDIR is absolute)
# and registers the `install` test, which builds examples/ against such a prefix.
# pegtl and xsimd are private header-only dependencies: nothing installed mentions them.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_property(SOURCE ${CMAKE_SOURCE_DIR}/runtime/c_api.cpp APPEND PROPERTY
             COMPILE_DEFINITIONS EXPRVM_VERSION_STRING="${PROJECT_VERSION}")

# ---- the installed headers: the in-tree ones with their core/ includes inlined, regenerated
# when any of them changes (build/include/exprvm/).
set(EXPRVM_GENERATED_INCLUDE_DIR ${CMAKE_BINARY_DIR}/include)
file(GLOB EXPRVM_CORE_HEADERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/core/*.hpp
     ${CMAKE_SOURCE_DIR}/core/*.def)
set(EXPRVM_INSTALLED_HEADERS "")
foreach(header exprvm.hpp exprvm.h)
  set(generated ${EXPRVM_GENERATED_INCLUDE_DIR}/exprvm/${header})
  add_custom_command(
    OUTPUT ${generated}
    COMMAND ${CMAKE_COMMAND} -DROOT=${CMAKE_SOURCE_DIR}
            -DINPUT=${CMAKE_SOURCE_DIR}/include/exprvm/${header} -DOUTPUT=${generated}
            -P ${CMAKE_SOURCE_DIR}/cmake/amalgamate.cmake
    DEPENDS ${CMAKE_SOURCE_DIR}/include/exprvm/${header} ${EXPRVM_CORE_HEADERS}
            ${CMAKE_SOURCE_DIR}/cmake/amalgamate.cmake
    COMMENT "Generating the installed include/exprvm/${header}")
  list(APPEND EXPRVM_INSTALLED_HEADERS ${generated})
endforeach()
add_custom_target(exprvm_public_headers ALL DEPENDS ${EXPRVM_INSTALLED_HEADERS})
add_dependencies(exprvm_shared exprvm_public_headers)

# ---- targets and files
set_target_properties(exprvm_shared PROPERTIES EXPORT_NAME exprvm)
target_include_directories(exprvm_shared INTERFACE
                           $<BUILD_INTERFACE:${EXPRVM_GENERATED_INCLUDE_DIR}>
                           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
# No exported compile feature: C++20 is added by exprvmConfig.cmake for consumers that enable
# CXX, so that a C-only project can use exprvm::exprvm.
# Exported symbols: the public API only (cmake/exprvm.map).
target_link_options(exprvm_shared PRIVATE
                    -Wl,--version-script=${CMAKE_SOURCE_DIR}/cmake/exprvm.map)
set_property(TARGET exprvm_shared APPEND PROPERTY LINK_DEPENDS ${CMAKE_SOURCE_DIR}/cmake/exprvm.map)

install(FILES ${EXPRVM_INSTALLED_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/exprvm)
install(TARGETS exprvm_shared EXPORT exprvmTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# The in-tree static target's interface names the source tree and pegtl, so it is installed as a
# file and imported by hand in exprvmConfig.cmake (exprvm::exprvm_static).
install(TARGETS exprvm ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})

set(EXPRVM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/exprvm)
install(EXPORT exprvmTargets NAMESPACE exprvm:: DESTINATION ${EXPRVM_CMAKE_DIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/exprvmConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/cmake/exprvmConfig.cmake
                              INSTALL_DESTINATION ${EXPRVM_CMAKE_DIR}
                              PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
# 0.x: a new minor version may break the API.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/exprvmConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/exprvmConfig.cmake
        ${CMAKE_BINARY_DIR}/cmake/exprvmConfigVersion.cmake DESTINATION ${EXPRVM_CMAKE_DIR})

# pkg-config: prefix relative to the .pc file's own directory, so any --prefix works. An
# absolute CMAKE_INSTALL_LIBDIR (or INCLUDEDIR) is written as it is, and the prefix is then
# CMAKE_INSTALL_PREFIX as configured.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(EXPRVM_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(EXPRVM_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH EXPRVM_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
  # RELATIVE_PATH gives "../../": without the slash, ${prefix}/lib has no "//".
  string(REGEX REPLACE "/$" "" EXPRVM_PC_TO_PREFIX "${EXPRVM_PC_TO_PREFIX}")
  set(EXPRVM_PC_PREFIX "\${pcfiledir}/${EXPRVM_PC_TO_PREFIX}")
  set(EXPRVM_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(EXPRVM_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(EXPRVM_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${CMAKE_SOURCE_DIR}/cmake/exprvm.pc.in ${CMAKE_BINARY_DIR}/exprvm.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/exprvm.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# ---- the install test: install into a temporary prefix, build and run examples/ against it.
add_test(NAME install COMMAND ${CMAKE_SOURCE_DIR}/tests/install_test.sh ${CMAKE_COMMAND}
         ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
