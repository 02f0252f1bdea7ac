//===- GGUF.cpp - read GGUF v2/v3 checkpoints ------------------------------===//
//
// "GGUF", u32 version, u64 tensor count, u64 metadata count, metadata
// key/values, tensor infos (name, n_dims, dims innermost first, ggml type,
// offset relative to the aligned data section), padding to
// general.alignment (default 32), data. Little-endian only.
//
// F32, F16 and BF16 tensors are imported; quantized ggml types are refused
// with their name when a role needs them.
//
//===----------------------------------------------------------------------===//
#include "kvq/Import/Checkpoint.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstring>
#include <variant>

using namespace kvq;
using namespace kvq::detail;
using llvm::StringRef;

namespace {
enum GGUFType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12
};

struct Cursor {
  StringRef bytes;
  StringRef path;
  uint64_t pos = 0;

  llvm::Error truncated(const llvm::Twine &what) const {
    return fileError(path, "truncated GGUF file: " + what + " at byte " +
                               llvm::Twine(pos) + " runs past the end (" +
                               llvm::Twine(bytes.size()) + " bytes)");
  }
  template <typename T> llvm::Expected<T> read(const char *what) {
    if (bytes.size() < sizeof(T) || pos > bytes.size() - sizeof(T))
      return truncated(what);
    T v;
    std::memcpy(&v, bytes.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  llvm::Expected<StringRef> string(const char *what) {
    auto n = read<uint64_t>(what);
    if (!n)
      return n.takeError();
    if (*n > bytes.size() - pos)
      return fileError(path, "bad GGUF " + llvm::Twine(what) + ": length " +
                                 llvm::Twine(*n) + " at byte " +
                                 llvm::Twine(pos - 8) +
                                 " runs past the end of the file");
    StringRef s = bytes.substr(pos, *n);
    pos += *n;
    return s;
  }
};

using MetaValue = std::variant<uint64_t, int64_t, double, bool, std::string>;

const char *ggmlTypeName(uint32_t t) {
  static const char *names[] = {
      "F32",     "F16",    "Q4_0",  "Q4_1",   "Q4_2", "Q4_3",   "Q5_0",
      "Q5_1",    "Q8_0",   "Q8_1",  "Q2_K",   "Q3_K", "Q4_K",   "Q5_K",
      "Q6_K",    "Q8_K",   "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL",
      "IQ3_S",   "IQ2_S",  "IQ4_XS", "I8",    "I16",  "I32",    "I64",
      "F64",     "IQ1_M",  "BF16",  "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8",
      "TQ1_0",   "TQ2_0",  "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8",
      "MXFP4"};
  return t < std::size(names) ? names[t] : nullptr;
}
} // namespace

/// Reads (or skips) one metadata value of type `type`.
static llvm::Error readValue(Cursor &c, uint32_t type, MetaValue *out,
                             int depth = 0) {
  auto scalar = [&](auto tag, auto convert) -> llvm::Error {
    auto v = c.read<decltype(tag)>("metadata value");
    if (!v)
      return v.takeError();
    if (out)
      *out = convert(*v);
    return llvm::Error::success();
  };
  auto asU = [](auto v) { return MetaValue(uint64_t(v)); };
  auto asI = [](auto v) { return MetaValue(int64_t(v)); };
  auto asF = [](auto v) { return MetaValue(double(v)); };
  switch (type) {
  case U8:
    return scalar(uint8_t(), asU);
  case I8:
    return scalar(int8_t(), asI);
  case U16:
    return scalar(uint16_t(), asU);
  case I16:
    return scalar(int16_t(), asI);
  case U32:
    return scalar(uint32_t(), asU);
  case I32:
    return scalar(int32_t(), asI);
  case U64:
    return scalar(uint64_t(), asU);
  case I64:
    return scalar(int64_t(), asI);
  case F32:
    return scalar(float(), asF);
  case F64:
    return scalar(double(), asF);
  case BOOL:
    return scalar(uint8_t(), [](uint8_t v) { return MetaValue(v != 0); });
  case STRING: {
    auto s = c.string("metadata string");
    if (!s)
      return s.takeError();
    if (out)
      *out = s->str();
    return llvm::Error::success();
  }
  case ARRAY: {
    if (depth > 2)
      return fileError(c.path, "bad GGUF metadata: arrays nested too deeply");
    auto elementType = c.read<uint32_t>("array type");
    if (!elementType)
      return elementType.takeError();
    auto n = c.read<uint64_t>("array length");
    if (!n)
      return n.takeError();
    if (*n > c.bytes.size() - c.pos)
      return fileError(c.path, "bad GGUF metadata: array of " +
                                   llvm::Twine(*n) +
                                   " elements runs past the end of the file");
    static const unsigned sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    if (*elementType < std::size(sizes) && sizes[*elementType]) {
      uint64_t bytes = *n * sizes[*elementType];
      if (bytes > c.bytes.size() - c.pos)
        return c.truncated("metadata array");
      c.pos += bytes;
      return llvm::Error::success();
    }
    for (uint64_t i = 0; i < *n; ++i)
      if (llvm::Error e = readValue(c, *elementType, nullptr, depth + 1))
        return e;
    return llvm::Error::success();
  }
  default:
    return fileError(c.path, "bad GGUF metadata: unknown value type " +
                                 llvm::Twine(type) + " at byte " +
                                 llvm::Twine(c.pos - 4));
  }
}

llvm::Error kvq::detail::readGGUF(Checkpoint &ckpt) {
  const std::string &path = ckpt.path;
  auto mapped = mapFile(path);
  if (!mapped)
    return mapped.takeError();
  StringRef bytes = (*mapped)->getBuffer();
  Cursor c{bytes, path};
  if (bytes.size() < 4 || !bytes.starts_with("GGUF"))
    return fileError(path, "not a GGUF file (bad magic; expected 'GGUF')");
  c.pos = 4;
  auto version = c.read<uint32_t>("version");
  if (!version)
    return version.takeError();
  if (*version != 2 && *version != 3)
    return fileError(path, "unsupported GGUF version " + llvm::Twine(*version) +
                               " (kvq reads little-endian versions 2 and 3)");
  auto tensorCount = c.read<uint64_t>("tensor count");
  if (!tensorCount)
    return tensorCount.takeError();
  auto kvCount = c.read<uint64_t>("metadata count");
  if (!kvCount)
    return kvCount.takeError();
  // Every entry takes at least 8 bytes: reject absurd counts up front.
  if (*tensorCount > bytes.size() / 8 || *kvCount > bytes.size() / 8)
    return fileError(path, "bad GGUF header: " + llvm::Twine(*tensorCount) +
                               " tensors and " + llvm::Twine(*kvCount) +
                               " metadata entries cannot fit in " +
                               llvm::Twine(bytes.size()) + " bytes");

  llvm::StringMap<MetaValue> meta;
  for (uint64_t i = 0; i < *kvCount; ++i) {
    auto key = c.string("metadata key");
    if (!key)
      return key.takeError();
    auto type = c.read<uint32_t>("metadata type");
    if (!type)
      return type.takeError();
    MetaValue value;
    if (llvm::Error e = readValue(c, *type, &value))
      return e;
    if (*type != ARRAY)
      meta[*key] = value;
  }
  auto getString = [&](StringRef key) -> std::optional<std::string> {
    auto it = meta.find(key);
    if (it == meta.end())
      return std::nullopt;
    if (auto *s = std::get_if<std::string>(&it->second))
      return *s;
    return std::nullopt;
  };
  auto getInt = [&](StringRef key,
                    std::optional<int64_t> fallback) -> llvm::Expected<int64_t> {
    auto it = meta.find(key);
    if (it == meta.end()) {
      if (fallback)
        return *fallback;
      return fileError(path, "missing GGUF metadata '" + key + "'");
    }
    if (auto *u = std::get_if<uint64_t>(&it->second))
      if (*u < (uint64_t(1) << 62))
        return int64_t(*u);
    if (auto *i = std::get_if<int64_t>(&it->second))
      return *i;
    return fileError(path, "GGUF metadata '" + key + "' must be an integer");
  };
  auto getFloat = [&](StringRef key, double fallback) -> llvm::Expected<double> {
    auto it = meta.find(key);
    if (it == meta.end())
      return fallback;
    if (auto *d = std::get_if<double>(&it->second))
      return *d;
    if (auto *u = std::get_if<uint64_t>(&it->second))
      return double(*u);
    if (auto *i = std::get_if<int64_t>(&it->second))
      return double(*i);
    return fileError(path, "GGUF metadata '" + key + "' must be a number");
  };

  std::optional<std::string> arch = getString("general.architecture");
  if (!arch)
    return fileError(path, "missing GGUF metadata 'general.architecture'");
  if (*arch != "llama" && *arch != "mistral" && *arch != "qwen2" &&
      *arch != "qwen3")
    return fileError(path, "unsupported GGUF architecture '" + *arch +
                               "' (kvq imports llama, mistral, qwen2 and "
                               "qwen3)");
  auto alignment = getInt("general.alignment", 32);
  if (!alignment)
    return alignment.takeError();
  if (*alignment <= 0 || *alignment > 65536 ||
      (*alignment & (*alignment - 1)) != 0)
    return fileError(path, "bad GGUF metadata: general.alignment " +
                               llvm::Twine(*alignment) +
                               " is not a power of two");

  // Tensor infos.
  struct RawInfo {
    std::string name;
    std::vector<int64_t> shape; // row-major (reversed ggml ne)
    uint32_t type;
    uint64_t offset;
  };
  std::vector<RawInfo> infos;
  for (uint64_t i = 0; i < *tensorCount; ++i) {
    RawInfo info;
    auto name = c.string("tensor name");
    if (!name)
      return name.takeError();
    info.name = name->str();
    auto nDims = c.read<uint32_t>("tensor rank");
    if (!nDims)
      return nDims.takeError();
    if (*nDims == 0 || *nDims > 4)
      return fileError(path, "bad GGUF tensor info for '" + info.name +
                                 "': rank " + llvm::Twine(*nDims) +
                                 " (must be 1 to 4)");
    for (uint32_t d = 0; d < *nDims; ++d) {
      auto dim = c.read<uint64_t>("tensor dimension");
      if (!dim)
        return dim.takeError();
      if (*dim == 0 || *dim > (uint64_t(1) << 40))
        return fileError(path, "bad GGUF tensor info for '" + info.name +
                                   "': dimension " + llvm::Twine(*dim));
      info.shape.insert(info.shape.begin(), int64_t(*dim));
    }
    auto type = c.read<uint32_t>("tensor type");
    if (!type)
      return type.takeError();
    info.type = *type;
    auto offset = c.read<uint64_t>("tensor offset");
    if (!offset)
      return offset.takeError();
    info.offset = *offset;
    infos.push_back(std::move(info));
  }
  uint64_t align = uint64_t(*alignment);
  uint64_t dataStart = (c.pos + align - 1) / align * align;
  if (dataStart > bytes.size())
    return c.truncated("data section");
  uint64_t dataSize = bytes.size() - dataStart;

  llvm::SmallString<256> absolute(path);
  llvm::sys::fs::make_absolute(absolute);
  for (RawInfo &info : infos) {
    TensorInfo t;
    t.name = info.name;
    t.shape = info.shape;
    t.file = std::string(absolute);
    if (info.type == 0) {
      t.dtype = WeightDType::F32;
    } else if (info.type == 1) {
      t.dtype = WeightDType::F16;
    } else if (info.type == 30) {
      t.dtype = WeightDType::BF16;
    } else {
      const char *name = ggmlTypeName(info.type);
      std::string type = name ? std::string(name) + " (ggml type " +
                                    std::to_string(info.type) + ")"
                              : "unknown ggml type " + std::to_string(info.type);
      ckpt.unsupported[t.name] =
          path + ": tensor '" + t.name + "' has type " + type +
          "; kvq imports F32, F16 and BF16 tensors only (convert or "
          "dequantize the model first)";
      continue;
    }
    uint64_t elements = 1;
    for (int64_t d : t.shape) {
      elements *= uint64_t(d);
      if (elements > (uint64_t(1) << 44))
        return fileError(path, "bad GGUF tensor info for '" + t.name +
                                   "': too many elements");
    }
    t.bytes = elements * floatFormatSize(t.dtype);
    if (info.offset % align != 0)
      return fileError(path, "bad GGUF tensor info for '" + t.name +
                                 "': offset " + llvm::Twine(info.offset) +
                                 " is not a multiple of the alignment " +
                                 llvm::Twine(align));
    if (info.offset > dataSize || t.bytes > dataSize - info.offset)
      return fileError(path, "tensor '" + t.name + "' (" +
                                 floatFormatName(t.dtype) + " " +
                                 t.shapeString() + ", " +
                                 llvm::Twine(t.bytes) + " bytes at offset " +
                                 llvm::Twine(info.offset) +
                                 ") runs past the end of the data section (" +
                                 llvm::Twine(dataSize) +
                                 " bytes): truncated file or bad offset");
    t.offset = dataStart + info.offset;
    t.data = bytes.data() + t.offset;
    if (llvm::Error e = ckpt.add(std::move(t)))
      return e;
  }

  // Configuration.
  ModelConfig &cfg = ckpt.config;
  cfg.architecture = *arch;
  std::string a = *arch;
#define KVQ_GET(dst, expr)                                                     \
  {                                                                            \
    auto v = (expr);                                                           \
    if (!v)                                                                    \
      return v.takeError();                                                    \
    dst = *v;                                                                  \
  }
  KVQ_GET(cfg.dim, getInt(a + ".embedding_length", std::nullopt));
  KVQ_GET(cfg.hiddenDim, getInt(a + ".feed_forward_length", std::nullopt));
  KVQ_GET(cfg.numLayers, getInt(a + ".block_count", std::nullopt));
  KVQ_GET(cfg.numHeads, getInt(a + ".attention.head_count", std::nullopt));
  KVQ_GET(cfg.numKVHeads, getInt(a + ".attention.head_count_kv", cfg.numHeads));
  if (cfg.numHeads <= 0)
    return fileError(path, "inconsistent model configuration: "
                           "attention.head_count must be positive");
  KVQ_GET(cfg.headDim, getInt(a + ".attention.key_length",
                              cfg.dim / cfg.numHeads));
  int64_t valueLength;
  KVQ_GET(valueLength, getInt(a + ".attention.value_length", cfg.headDim));
  if (valueLength != cfg.headDim)
    return fileError(path, "inconsistent model configuration: "
                           "attention.value_length differs from key_length");
  int64_t ropeDims;
  KVQ_GET(ropeDims, getInt(a + ".rope.dimension_count", cfg.headDim));
  if (ropeDims != cfg.headDim)
    return fileError(path, "partial RoPE (rope.dimension_count " +
                               llvm::Twine(ropeDims) + " of head_dim " +
                               llvm::Twine(cfg.headDim) +
                               ") is not supported");
  KVQ_GET(cfg.maxSeqLen, getInt(a + ".context_length", 2048));
  KVQ_GET(cfg.ropeTheta, getFloat(a + ".rope.freq_base", 10000.0));
  KVQ_GET(cfg.rmsEps, getFloat(a + ".attention.layer_norm_rms_epsilon", 1e-5));
  KVQ_GET(cfg.slidingWindow, getInt(a + ".attention.sliding_window", 0));
  if (const TensorInfo *emb = ckpt.lookup("token_embd.weight"))
    if (emb->shape.size() == 2)
      cfg.vocabSize = emb->shape[0];
  KVQ_GET(cfg.vocabSize, getInt(a + ".vocab_size", cfg.vocabSize));
#undef KVQ_GET
  cfg.tiedEmbeddings = !ckpt.lookup("output.weight") &&
                       !ckpt.unsupported.count("output.weight");
  cfg.qkvBias = ckpt.lookup("blk.0.attn_q.bias") != nullptr;
  cfg.qkNorm = ckpt.lookup("blk.0.attn_k_norm.weight") != nullptr;
  if (a == "qwen3" && !cfg.qkNorm)
    return fileError(path, "missing tensor 'blk.0.attn_k_norm.weight' "
                           "(qwen3 normalises every q and k head)");
  cfg.ropeStyle = (a == "qwen2" || a == "qwen3") ? RopeStyle::Half
                                                 : RopeStyle::Interleaved;
  if (cfg.headDim > 0 && cfg.headDim % 2 == 0 && cfg.ropeTheta > 0)
    cfg.ropeInvFreq = defaultRopeInvFreq(cfg.ropeTheta, cfg.headDim);
  if (std::optional<std::string> scaling = getString(a + ".rope.scaling.type")) {
    if (*scaling == "linear") {
      double factor;
      auto f = getFloat(a + ".rope.scaling.factor", 1.0);
      if (!f)
        return f.takeError();
      factor = *f;
      if (!(factor > 0))
        return fileError(path, "rope.scaling.factor must be positive");
      for (double &x : cfg.ropeInvFreq)
        x /= factor;
    } else if (*scaling != "none") {
      return fileError(path, "rope scaling '" + *scaling +
                                 "' is not supported (none or linear)");
    }
  }
  if (const TensorInfo *freqs = ckpt.lookup("rope_freqs.weight")) {
    // Llama-3-style per-frequency divisors.
    if (freqs->shape != std::vector<int64_t>{cfg.headDim / 2})
      return fileError(path, "tensor 'rope_freqs.weight' has shape " +
                                 freqs->shapeString() + ", expected [" +
                                 llvm::Twine(cfg.headDim / 2) + "]");
    std::vector<float> f(cfg.headDim / 2);
    readAsFloat(*freqs, 0, f.size(), f.data());
    for (size_t i = 0; i < f.size(); ++i) {
      if (!(f[i] > 0))
        return fileError(path, "tensor 'rope_freqs.weight' must be positive");
      cfg.ropeInvFreq[i] /= f[i];
    }
  }
  if (llvm::Error e = validateConfig(cfg, path))
    return e;
  ckpt.files.push_back(std::move(*mapped));

  RoleNames names;
  names.embedding = "token_embd.weight";
  names.finalNorm = "output_norm.weight";
  names.classifier = cfg.tiedEmbeddings ? "" : "output.weight";
  names.layer = [](int64_t l, StringRef role) -> std::string {
    std::string p = "blk." + std::to_string(l) + ".";
    static const std::pair<const char *, const char *> map[] = {
        {"attn_norm", "attn_norm.weight"}, {"wq", "attn_q.weight"},
        {"wk", "attn_k.weight"},           {"wv", "attn_v.weight"},
        {"wo", "attn_output.weight"},      {"bq", "attn_q.bias"},
        {"bk", "attn_k.bias"},             {"bv", "attn_v.bias"},
        {"q_norm", "attn_q_norm.weight"},  {"k_norm", "attn_k_norm.weight"},
        {"ffn_norm", "ffn_norm.weight"},   {"w1", "ffn_gate.weight"},
        {"w2", "ffn_down.weight"},         {"w3", "ffn_up.weight"}};
    for (auto [r, n] : map)
      if (role == r)
        return p + n;
    return p + role.str();
  };
  return assignRoles(ckpt, names);
}
