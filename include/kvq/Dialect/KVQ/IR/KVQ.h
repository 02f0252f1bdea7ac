//===- KVQ.h - kvq dialect, attributes, types and ops -------------*- C++ -*-===//
#ifndef KVQ_DIALECT_KVQ_IR_KVQ_H
#define KVQ_DIALECT_KVQ_IR_KVQ_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "kvq/Dialect/KVQ/IR/KVQDialect.h.inc"
#include "kvq/Dialect/KVQ/IR/KVQEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "kvq/Dialect/KVQ/IR/KVQAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "kvq/Dialect/KVQ/IR/KVQTypes.h.inc"

#define GET_OP_CLASSES
#include "kvq/Dialect/KVQ/IR/KVQOps.h.inc"

#endif // KVQ_DIALECT_KVQ_IR_KVQ_H
