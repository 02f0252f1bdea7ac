//===- SensitivityTable.h - kvq-calibrate's measured errors ------*- C++ -*-===//
//
// The file kvq-calibrate writes and the calibrated policy of kvq-assign-bits
// reads (docs/allocation.md, "The sensitivity file"): for every layer, or
// every layer and KV head, and tensor (keys, values), the measured error at
// each width when only that tensor is quantized. Reading checks the file
// against the allocation problem, and every complaint names the file, the
// line and why, so a table measured on another model or with other widths
// fails with one clear message.
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_ANALYSIS_SENSITIVITYTABLE_H
#define KVQ_ANALYSIS_SENSITIVITYTABLE_H

#include "kvq/Analysis/BitAllocation.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace kvq {

/// One row: the errors of one layer's (or one KV head's) keys and values in
/// the selected metric, at the table's widths.
struct SensitivityRow {
  int64_t layer = 0;
  int64_t head = -1; ///< -1: a per-layer row
  std::vector<double> key, value;
  unsigned line = 0; ///< where the row starts in the file
};

struct SensitivityTable {
  std::string file;
  std::vector<double> widths; ///< ascending
  bool perHead = false;
  std::vector<SensitivityRow> rows;
  unsigned widthsLine = 0, rowsLine = 0;

  /// errors[i][j]: the error of `problem`'s tensor i at candidate j. The
  /// problem's tensors must be exactly the table's rows: per layer for a
  /// per-layer table, per layer and KV head for a per-head one.
  llvm::Expected<std::vector<std::vector<double>>>
  errorsFor(const AllocProblem &problem) const;
};

/// Parses `text` (named `file` in errors), keeping the column `metric`
/// ("attention_mse" or "kl") of every row.
llvm::Expected<SensitivityTable> parseSensitivityTable(llvm::StringRef text,
                                                       llvm::StringRef file,
                                                       llvm::StringRef metric);
llvm::Expected<SensitivityTable> readSensitivityTable(llvm::StringRef path,
                                                      llvm::StringRef metric);

} // namespace kvq

#endif // KVQ_ANALYSIS_SENSITIVITYTABLE_H
