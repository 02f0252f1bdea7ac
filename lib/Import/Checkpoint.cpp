//===- Checkpoint.cpp - format detection, validation, shared helpers ------===//
#include "kvq/Import/Checkpoint.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstring>

using namespace kvq;
using llvm::StringRef;

StringRef kvq::checkpointFormatName(CheckpointFormat format) {
  switch (format) {
  case CheckpointFormat::Auto:
    return "auto";
  case CheckpointFormat::Llama2C:
    return "llama2c";
  case CheckpointFormat::SafeTensors:
    return "safetensors";
  case CheckpointFormat::GGUF:
    return "gguf";
  }
  return "?";
}

int64_t TensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string TensorInfo::shapeString() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

const TensorInfo *Checkpoint::lookup(StringRef name) const {
  auto it = tensors.find(name);
  return it == tensors.end() ? nullptr : &it->second;
}

llvm::Error Checkpoint::add(TensorInfo info) {
  if (tensors.count(info.name))
    return detail::fileError(info.file,
                             "duplicate tensor '" + info.name + "'");
  order.push_back(info.name);
  std::string name = info.name;
  tensors[name] = std::move(info);
  return llvm::Error::success();
}

void kvq::readAsFloat(const TensorInfo &info, int64_t first, int64_t count,
                      float *out) {
  unsigned size = floatFormatSize(info.dtype);
  const char *p = info.data + first * size;
  for (int64_t i = 0; i < count; ++i, p += size) {
    if (info.dtype == WeightDType::F32) {
      std::memcpy(&out[i], p, 4);
      continue;
    }
    uint16_t h;
    std::memcpy(&h, p, 2);
    out[i] = info.dtype == WeightDType::F16 ? halfToFloat(h) : bf16ToFloat(h);
  }
}

std::vector<double> kvq::defaultRopeInvFreq(double theta, int64_t headDim) {
  std::vector<double> f;
  for (int64_t i = 0; i < headDim / 2; ++i)
    f.push_back(1.0 / std::pow(theta, double(2 * i) / double(headDim)));
  return f;
}

llvm::Error kvq::detail::fileError(StringRef file, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 file + ": " + message);
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
kvq::detail::mapFile(StringRef path) {
  if (llvm::sys::fs::is_directory(path))
    return fileError(path, "is a directory, expected a file");
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false,
                                            /*IsVolatile=*/false);
  if (!buffer)
    return fileError(path, "cannot open: " + buffer.getError().message());
  return std::move(*buffer);
}

llvm::Error kvq::detail::validateConfig(const ModelConfig &c, StringRef file) {
  auto bad = [&](const llvm::Twine &why) {
    return fileError(file, "inconsistent model configuration: " + why);
  };
  struct Field {
    const char *name;
    int64_t value, max;
  } fields[] = {{"dim (hidden_size)", c.dim, 1 << 20},
                {"hidden_dim (intermediate_size)", c.hiddenDim, 1 << 22},
                {"n_layers (num_hidden_layers)", c.numLayers, 4096},
                {"n_heads (num_attention_heads)", c.numHeads, 1 << 14},
                {"n_kv_heads (num_key_value_heads)", c.numKVHeads, 1 << 14},
                {"head_dim", c.headDim, 1 << 14},
                {"vocab_size", c.vocabSize, int64_t(1) << 24},
                {"seq_len (max_position_embeddings)", c.maxSeqLen,
                 int64_t(1) << 24}};
  for (const Field &f : fields)
    if (f.value <= 0 || f.value > f.max)
      return bad(llvm::Twine(f.name) + " is " + llvm::Twine(f.value) +
                 " (must be in 1.." + llvm::Twine(f.max) + ")");
  if (c.numHeads % c.numKVHeads != 0)
    return bad("n_heads (" + llvm::Twine(c.numHeads) +
               ") is not a multiple of n_kv_heads (" +
               llvm::Twine(c.numKVHeads) + ")");
  if (c.headDim % 2 != 0)
    return bad("head_dim (" + llvm::Twine(c.headDim) +
               ") must be even for RoPE");
  if (!(c.rmsEps > 0) || !std::isfinite(c.rmsEps))
    return bad("rms_norm_eps must be positive and finite");
  if (!(c.ropeTheta > 0) || !std::isfinite(c.ropeTheta))
    return bad("rope_theta must be positive and finite");
  if (int64_t(c.ropeInvFreq.size()) != c.headDim / 2)
    return bad("RoPE needs head_dim/2 frequencies");
  return llvm::Error::success();
}

static std::string shapeStr(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

llvm::Error kvq::detail::expectTensor(const Checkpoint &ckpt,
                                      const TensorInfo *&slot, StringRef name,
                                      llvm::ArrayRef<int64_t> shape,
                                      bool optional) {
  const TensorInfo *info = ckpt.lookup(name);
  if (!info) {
    auto it = ckpt.unsupported.find(name);
    if (it != ckpt.unsupported.end())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     it->second);
    if (optional)
      return llvm::Error::success();
    return fileError(ckpt.path, "missing tensor '" + name + "' (expected shape " +
                                    shapeStr(shape) + ")");
  }
  if (llvm::ArrayRef<int64_t>(info->shape) != shape)
    return fileError(info->file, "tensor '" + name + "' has shape " +
                                     info->shapeString() +
                                     " but the model configuration implies " +
                                     shapeStr(shape));
  slot = info;
  return llvm::Error::success();
}

/// Guesses the format from the first bytes (and the name) of `path`.
static llvm::Expected<CheckpointFormat> detectFormat(StringRef path) {
  if (llvm::sys::fs::is_directory(path))
    return CheckpointFormat::SafeTensors;
  if (path.ends_with(".safetensors.index.json"))
    return CheckpointFormat::SafeTensors;
  std::error_code ec;
  llvm::sys::fs::file_status status;
  if ((ec = llvm::sys::fs::status(path, status)))
    return detail::fileError(path, "cannot open: " + ec.message());
  auto file = detail::mapFile(path);
  if (!file)
    return file.takeError();
  StringRef bytes = (*file)->getBuffer();
  if (bytes.starts_with("GGUF"))
    return CheckpointFormat::GGUF;
  if (bytes.size() >= 9) {
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    if (n >= 2 && n <= bytes.size() - 8 && bytes[8] == '{')
      return CheckpointFormat::SafeTensors;
  }
  if (path.ends_with(".safetensors"))
    return CheckpointFormat::SafeTensors;
  if (path.ends_with(".gguf"))
    return CheckpointFormat::GGUF;
  if (path.ends_with(".bin") || bytes.size() >= 28)
    return CheckpointFormat::Llama2C;
  return detail::fileError(
      path, "cannot tell the checkpoint format (not GGUF, safetensors or a "
            "llama2.c checkpoint; the file is " +
                llvm::Twine(bytes.size()) + " bytes); pass --format");
}

llvm::Expected<std::unique_ptr<Checkpoint>>
kvq::openCheckpoint(StringRef path, const OpenOptions &options) {
  auto ckpt = std::make_unique<Checkpoint>();
  ckpt->path = path.str();
  CheckpointFormat format = options.format;
  if (format == CheckpointFormat::Auto) {
    auto detected = detectFormat(path);
    if (!detected)
      return detected.takeError();
    format = *detected;
  }
  ckpt->format = format;
  llvm::Error err = llvm::Error::success();
  switch (format) {
  case CheckpointFormat::Llama2C:
    err = detail::readLlama2C(*ckpt);
    break;
  case CheckpointFormat::SafeTensors:
    err = detail::readSafeTensors(*ckpt, options.configPath);
    break;
  case CheckpointFormat::GGUF:
    err = detail::readGGUF(*ckpt);
    break;
  case CheckpointFormat::Auto:
    break;
  }
  if (err)
    return std::move(err);
  if (!ckpt->weights.embedding || !ckpt->weights.classifier ||
      !ckpt->weights.finalNorm ||
      int64_t(ckpt->weights.layers.size()) != ckpt->config.numLayers)
    return detail::fileError(path, "internal error: incomplete weight roles");
  return std::move(ckpt);
}

llvm::Error kvq::detail::assignRoles(Checkpoint &ckpt, const RoleNames &names) {
  const ModelConfig &c = ckpt.config;
  ModelWeights &w = ckpt.weights;
  int64_t q = c.numHeads * c.headDim, kv = c.numKVHeads * c.headDim;
  if (llvm::Error e =
          expectTensor(ckpt, w.embedding, names.embedding, {c.vocabSize, c.dim}))
    return e;
  if (llvm::Error e = expectTensor(ckpt, w.finalNorm, names.finalNorm, {c.dim}))
    return e;
  if (names.classifier.empty()) {
    w.classifier = w.embedding;
  } else if (llvm::Error e = expectTensor(ckpt, w.classifier, names.classifier,
                                          {c.vocabSize, c.dim})) {
    return e;
  }
  w.layers.assign(c.numLayers, LayerWeights());
  for (int64_t l = 0; l < c.numLayers; ++l) {
    LayerWeights &lw = w.layers[l];
    struct Role {
      const TensorInfo *&slot;
      const char *role;
      llvm::SmallVector<int64_t, 2> shape;
      bool wanted;
    } roles[] = {
        {lw.attnNorm, "attn_norm", {c.dim}, true},
        {lw.wq, "wq", {q, c.dim}, true},
        {lw.wk, "wk", {kv, c.dim}, true},
        {lw.wv, "wv", {kv, c.dim}, true},
        {lw.wo, "wo", {c.dim, q}, true},
        {lw.bq, "bq", {q}, c.qkvBias},
        {lw.bk, "bk", {kv}, c.qkvBias},
        {lw.bv, "bv", {kv}, c.qkvBias},
        {lw.qNorm, "q_norm", {c.headDim}, c.qkNorm},
        {lw.kNorm, "k_norm", {c.headDim}, c.qkNorm},
        {lw.ffnNorm, "ffn_norm", {c.dim}, true},
        {lw.w1, "w1", {c.hiddenDim, c.dim}, true},
        {lw.w2, "w2", {c.dim, c.hiddenDim}, true},
        {lw.w3, "w3", {c.hiddenDim, c.dim}, true},
    };
    for (Role &r : roles) {
      if (!r.wanted)
        continue;
      if (llvm::Error e =
              expectTensor(ckpt, r.slot, names.layer(l, r.role), r.shape))
        return e;
    }
  }
  return llvm::Error::success();
}
