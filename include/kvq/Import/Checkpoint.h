//===- Checkpoint.h - model checkpoints read for import ----------*- C++ -*-===//
//
// A checkpoint is a model configuration plus a set of named tensors that live
// in one or more memory-mapped files. Three readers produce it:
//
//   - llama2.c `.bin` (legacy export, and version-1 "ak42" float32 export),
//   - safetensors (single file or sharded with model.safetensors.index.json)
//     plus a Hugging Face config.json (Llama, Mistral, Qwen2, Qwen3),
//   - GGUF v2/v3 (architectures llama, mistral, qwen2, qwen3).
//
// Readers only parse headers: tensor data stays in the mapped files and is
// touched only when inline weights are emitted or a runner reads them. Every
// error is an llvm::Error of the form "<file>: <problem>".
//
// After reading, `Checkpoint::weights` names the tensor of every role of a
// decoder-only Llama-family transformer, with shapes already checked against
// the configuration (docs/import.md lists the checks).
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_IMPORT_CHECKPOINT_H
#define KVQ_IMPORT_CHECKPOINT_H

#include "kvq/Support/FloatFormat.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kvq {

/// Element types of weights kvq imports.
using WeightDType = FloatFormat;

/// Which pairs of channels RoPE rotates together.
enum class RopeStyle {
  /// (2i, 2i+1): Meta/llama2.c, and GGUF `llama`/`mistral` tensors.
  Interleaved,
  /// (i, i + head_dim/2): Hugging Face `rotate_half`, GGUF qwen2/qwen3.
  Half,
};

struct ModelConfig {
  std::string architecture = "llama"; ///< llama, mistral, qwen2, qwen3
  int64_t dim = 0;                    ///< hidden size
  int64_t hiddenDim = 0;              ///< feed-forward (intermediate) size
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKVHeads = 0;
  int64_t headDim = 0;
  int64_t vocabSize = 0;
  int64_t maxSeqLen = 0; ///< the model's maximum context
  double ropeTheta = 10000.0;
  double rmsEps = 1e-5;
  bool tiedEmbeddings = false; ///< the classifier is the embedding table
  bool qkNorm = false;         ///< Qwen3: RMSNorm on every q and k head
  bool qkvBias = false;        ///< Qwen2: biases on q, k and v projections
  RopeStyle ropeStyle = RopeStyle::Half;
  /// RoPE inverse frequencies, head_dim/2 of them (after any rope_scaling).
  std::vector<double> ropeInvFreq;
  /// Mistral-style sliding window (0: none).
  int64_t slidingWindow = 0;
};

/// One tensor of a checkpoint: where its bytes are and what they hold.
struct TensorInfo {
  std::string name;
  WeightDType dtype = WeightDType::F32;
  std::vector<int64_t> shape; ///< row-major, outermost first
  std::string file;           ///< absolute path of the file holding it
  uint64_t offset = 0;        ///< byte offset of the data in `file`
  uint64_t bytes = 0;
  const char *data = nullptr; ///< the data inside the mapped file

  int64_t numElements() const;
  /// "[512, 64]"
  std::string shapeString() const;
};

/// The tensors of each role. Optional roles are null when absent.
struct LayerWeights {
  const TensorInfo *attnNorm = nullptr, *wq = nullptr, *wk = nullptr,
                   *wv = nullptr, *wo = nullptr;
  const TensorInfo *bq = nullptr, *bk = nullptr, *bv = nullptr; // qkvBias
  const TensorInfo *qNorm = nullptr, *kNorm = nullptr;          // qkNorm
  const TensorInfo *ffnNorm = nullptr;
  const TensorInfo *w1 = nullptr; ///< gate_proj [hidden, dim]
  const TensorInfo *w2 = nullptr; ///< down_proj [dim, hidden]
  const TensorInfo *w3 = nullptr; ///< up_proj   [hidden, dim]
};

struct ModelWeights {
  const TensorInfo *embedding = nullptr; ///< [vocab, dim]
  const TensorInfo *finalNorm = nullptr; ///< [dim]
  /// [vocab, dim]; the embedding table when the model ties them.
  const TensorInfo *classifier = nullptr;
  std::vector<LayerWeights> layers;
};

enum class CheckpointFormat { Auto, Llama2C, SafeTensors, GGUF };

llvm::StringRef checkpointFormatName(CheckpointFormat format);

class Checkpoint {
public:
  CheckpointFormat format = CheckpointFormat::Auto;
  std::string path; ///< what the user named
  ModelConfig config;
  ModelWeights weights;

  /// Tensors by name, in file order (`order`).
  llvm::StringMap<TensorInfo> tensors;
  std::vector<std::string> order;
  /// Tensors present in the files in a dtype kvq does not import, with the
  /// error to report (an error only if a role needs one of them).
  llvm::StringMap<std::string> unsupported;

  /// Keeps the files mapped for as long as the checkpoint lives.
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> files;

  const TensorInfo *lookup(llvm::StringRef name) const;
  /// Adds a tensor; fails on a duplicate name.
  llvm::Error add(TensorInfo info);
};

struct OpenOptions {
  CheckpointFormat format = CheckpointFormat::Auto;
  /// config.json for safetensors (default: config.json beside the file).
  std::string configPath;
};

/// Opens and validates a checkpoint: detects the format (unless given),
/// reads the configuration and the tensor directory, assigns roles and checks
/// every shape, offset and dtype.
llvm::Expected<std::unique_ptr<Checkpoint>>
openCheckpoint(llvm::StringRef path, const OpenOptions &options = {});

/// Computes head_dim/2 RoPE inverse frequencies theta^(-2i/head_dim).
std::vector<double> defaultRopeInvFreq(double theta, int64_t headDim);

/// Reads `count` elements of `info` starting at element `first` as float
/// (converting f16/bf16).
void readAsFloat(const TensorInfo &info, int64_t first, int64_t count,
                 float *out);


namespace detail {
/// "<file>: <message>" as an llvm::Error.
llvm::Error fileError(llvm::StringRef file, const llvm::Twine &message);
/// Maps `path` read-only (mmap for large files).
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> mapFile(llvm::StringRef path);
/// Reader entry points (Llama2C.cpp, SafeTensors.cpp, GGUF.cpp); each fills
/// config, tensors and weights. openCheckpoint validates afterwards.
llvm::Error readLlama2C(Checkpoint &ckpt);
llvm::Error readSafeTensors(Checkpoint &ckpt, llvm::StringRef configPath);
llvm::Error readGGUF(Checkpoint &ckpt);
/// Checks the configuration for consistency (positive sizes, heads divide,
/// RoPE frequencies present) naming `file`.
llvm::Error validateConfig(const ModelConfig &config, llvm::StringRef file);
/// Checks a role's tensor exists and has `shape`.
llvm::Error expectTensor(const Checkpoint &ckpt, const TensorInfo *&slot,
                         llvm::StringRef name, llvm::ArrayRef<int64_t> shape,
                         bool optional = false);

/// How a format names the tensor of each role.
struct RoleNames {
  std::string embedding, finalNorm;
  std::string classifier; ///< empty when the model ties it to the embedding
  /// The name of a per-layer role: attn_norm, wq, wk, wv, wo, bq, bk, bv,
  /// q_norm, k_norm, ffn_norm, w1 (gate), w2 (down), w3 (up).
  std::function<std::string(int64_t layer, llvm::StringRef role)> layer;
};
/// Fills ckpt.weights from the names, checking every shape against the
/// configuration.
llvm::Error assignRoles(Checkpoint &ckpt, const RoleNames &names);
} // namespace detail

} // namespace kvq

#endif // KVQ_IMPORT_CHECKPOINT_H
