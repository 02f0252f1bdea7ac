# kvq_add_library(name srcs... [DEPENDS targets] [LINK_LIBS kvq-libs]
#                 [MLIR_LIBS mlir-libs])
#
# A static kvq library built like an upstream MLIR library, linked against
# libMLIR.so (MLIR_LINK_MLIR_DYLIB), installed and exported as KVQ::<name>.
function(kvq_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK_LIBS;MLIR_LIBS" ${ARGN})
  add_mlir_library(${name} ${ARG_UNPARSED_ARGUMENTS}
    DISABLE_INSTALL
    DEPENDS ${ARG_DEPENDS}
    LINK_LIBS PUBLIC ${ARG_LINK_LIBS})
  mlir_target_link_libraries(${name} PUBLIC ${ARG_MLIR_LIBS})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${KVQ_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${KVQ_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:include>)
  install(TARGETS ${name} EXPORT KVQTargets
    ARCHIVE DESTINATION lib LIBRARY DESTINATION lib)
endfunction()
