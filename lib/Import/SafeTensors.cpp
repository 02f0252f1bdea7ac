//===- SafeTensors.cpp - read safetensors + Hugging Face config.json -------===//
//
// A checkpoint is a directory (config.json + model.safetensors or a sharded
// model.safetensors.index.json), an index file, or one .safetensors file
// with a config.json beside it (or named by --config).
//
// safetensors: u64 little-endian header size N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}},
// then the data; offsets are relative to the end of the header.
//
//===----------------------------------------------------------------------===//
#include "kvq/Import/Checkpoint.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstring>

using namespace kvq;
using namespace kvq::detail;
using llvm::StringRef;
namespace json = llvm::json;

static std::string absolutePath(StringRef path) {
  llvm::SmallString<256> p(path);
  llvm::sys::fs::make_absolute(p);
  llvm::sys::path::remove_dots(p, /*remove_dot_dot=*/true);
  return std::string(p);
}

/// Reads one .safetensors file's directory into `ckpt`.
static llvm::Error readSafeTensorsFile(Checkpoint &ckpt, StringRef path) {
  auto mapped = mapFile(path);
  if (!mapped)
    return mapped.takeError();
  StringRef bytes = (*mapped)->getBuffer();
  if (bytes.size() < 8)
    return fileError(path, "truncated safetensors file: " +
                               llvm::Twine(bytes.size()) +
                               " bytes, shorter than the 8-byte header size");
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  if (n > bytes.size() - 8)
    return fileError(path, "bad safetensors header: header size " +
                               llvm::Twine(n) + " exceeds the file (" +
                               llvm::Twine(bytes.size()) + " bytes)");
  StringRef headerText = bytes.substr(8, n);
  auto header = json::parse(headerText);
  if (!header)
    return fileError(path, "bad safetensors header: invalid JSON: " +
                               llvm::toString(header.takeError()));
  json::Object *object = header->getAsObject();
  if (!object)
    return fileError(path, "bad safetensors header: not a JSON object");
  uint64_t dataStart = 8 + n, dataSize = bytes.size() - dataStart;
  std::string file = absolutePath(path);

  // Sort by name for deterministic order.
  std::vector<std::string> names;
  for (auto &kv : *object)
    if (kv.first != "__metadata__")
      names.push_back(kv.first.str());
  llvm::sort(names);
  for (const std::string &name : names) {
    const json::Object *entry = object->getObject(name);
    auto bad = [&](const llvm::Twine &why) {
      return fileError(path, "bad safetensors entry for tensor '" + name +
                                 "': " + why);
    };
    if (!entry)
      return bad("not a JSON object");
    std::optional<StringRef> dtype = entry->getString("dtype");
    const json::Array *shape = entry->getArray("shape");
    const json::Array *offsets = entry->getArray("data_offsets");
    if (!dtype || !shape || !offsets)
      return bad("needs 'dtype', 'shape' and 'data_offsets'");
    TensorInfo t;
    t.name = name;
    t.file = file;
    uint64_t elements = 1;
    for (const json::Value &d : *shape) {
      std::optional<int64_t> v = d.getAsInteger();
      if (!v || *v < 0 || *v > (int64_t(1) << 40))
        return bad("shape entries must be non-negative integers");
      t.shape.push_back(*v);
      elements *= uint64_t(*v);
      if (elements > (uint64_t(1) << 44))
        return bad("shape is too large");
    }
    std::optional<int64_t> begin, end;
    if (offsets->size() == 2) {
      begin = (*offsets)[0].getAsInteger();
      end = (*offsets)[1].getAsInteger();
    }
    if (!begin || !end || *begin < 0 || *end < *begin)
      return bad("'data_offsets' must be [begin, end] with 0 <= begin <= end");
    if (uint64_t(*end) > dataSize)
      return bad("data_offsets [" + llvm::Twine(*begin) + ", " +
                 llvm::Twine(*end) + "] run past the end of the data (" +
                 llvm::Twine(dataSize) + " bytes)");
    unsigned elementSize;
    if (*dtype == "F32") {
      t.dtype = WeightDType::F32;
      elementSize = 4;
    } else if (*dtype == "F16") {
      t.dtype = WeightDType::F16;
      elementSize = 2;
    } else if (*dtype == "BF16") {
      t.dtype = WeightDType::BF16;
      elementSize = 2;
    } else {
      static const llvm::StringSet<> known = {
          "F64", "I8", "U8", "I16", "U16", "I32", "U32", "I64", "U64",
          "BOOL", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3",
          "F6_E3M2", "C64"};
      if (!known.contains(*dtype))
        return bad("unknown dtype '" + *dtype + "'");
      ckpt.unsupported[name] =
          (path + ": tensor '" + name + "' has dtype " + *dtype +
           "; kvq imports F32, F16 and BF16 weights only")
              .str();
      continue;
    }
    t.offset = dataStart + uint64_t(*begin);
    t.bytes = uint64_t(*end - *begin);
    if (t.bytes != elements * elementSize)
      return bad("shape " + t.shapeString() + " of " + *dtype + " needs " +
                 llvm::Twine(elements * elementSize) +
                 " bytes but data_offsets span " + llvm::Twine(t.bytes));
    t.data = bytes.data() + t.offset;
    if (llvm::Error err = ckpt.add(std::move(t)))
      return err;
  }
  ckpt.files.push_back(std::move(*mapped));
  return llvm::Error::success();
}

namespace {
/// Typed access to config.json with errors naming the file and the key.
struct Config {
  StringRef path;
  const json::Object &object;

  llvm::Expected<int64_t> integer(StringRef key,
                                  std::optional<int64_t> fallback = {}) const {
    const json::Value *v = object.get(key);
    if (!v || v->kind() == json::Value::Null) {
      if (fallback)
        return *fallback;
      return fileError(path, "missing '" + key + "'");
    }
    if (std::optional<int64_t> i = v->getAsInteger())
      return *i;
    if (std::optional<double> d = v->getAsNumber())
      if (std::floor(*d) == *d && std::abs(*d) < 1e15)
        return int64_t(*d);
    return fileError(path, "'" + key + "' must be an integer");
  }
  llvm::Expected<double> number(StringRef key, double fallback) const {
    const json::Value *v = object.get(key);
    if (!v || v->kind() == json::Value::Null)
      return fallback;
    if (std::optional<double> d = v->getAsNumber())
      return *d;
    return fileError(path, "'" + key + "' must be a number");
  }
  llvm::Expected<bool> boolean(StringRef key, bool fallback) const {
    const json::Value *v = object.get(key);
    if (!v || v->kind() == json::Value::Null)
      return fallback;
    if (std::optional<bool> b = v->getAsBoolean())
      return *b;
    return fileError(path, "'" + key + "' must be true or false");
  }
};
} // namespace

/// Applies `rope_scaling` to the default inverse frequencies.
static llvm::Error applyRopeScaling(ModelConfig &c, const json::Object &config,
                                   StringRef path) {
  const json::Value *v = config.get("rope_scaling");
  if (!v || v->kind() == json::Value::Null)
    return llvm::Error::success();
  const json::Object *s = v->getAsObject();
  if (!s)
    return fileError(path, "'rope_scaling' must be an object or null");
  std::optional<StringRef> type = s->getString("rope_type");
  if (!type)
    type = s->getString("type");
  if (!type)
    return fileError(path, "'rope_scaling' has no 'rope_type'");
  Config sc{path, *s};
  if (*type == "default")
    return llvm::Error::success();
  auto factor = sc.number("factor", 0);
  if (!factor)
    return factor.takeError();
  if (!(*factor > 0))
    return fileError(path, "'rope_scaling.factor' must be positive");
  if (*type == "linear") {
    for (double &f : c.ropeInvFreq)
      f /= *factor;
    return llvm::Error::success();
  }
  if (*type == "llama3") {
    auto low = sc.number("low_freq_factor", 1);
    auto high = sc.number("high_freq_factor", 4);
    auto original = sc.integer("original_max_position_embeddings", 8192);
    if (!low)
      return low.takeError();
    if (!high)
      return high.takeError();
    if (!original)
      return original.takeError();
    if (!(*high > *low))
      return fileError(path, "'rope_scaling': high_freq_factor must exceed "
                             "low_freq_factor");
    double lowWave = double(*original) / *low;
    double highWave = double(*original) / *high;
    for (double &f : c.ropeInvFreq) {
      double wave = 2 * M_PI / f;
      if (wave < highWave)
        continue;
      if (wave > lowWave) {
        f /= *factor;
        continue;
      }
      double smooth = (double(*original) / wave - *low) / (*high - *low);
      f = (1 - smooth) * f / *factor + smooth * f;
    }
    return llvm::Error::success();
  }
  return fileError(path, "rope_scaling type '" + *type +
                             "' is not supported (kvq supports default, "
                             "linear and llama3)");
}

static llvm::Error readHFConfig(ModelConfig &c, StringRef path) {
  auto mapped = mapFile(path);
  if (!mapped)
    return mapped.takeError();
  auto parsed = json::parse((*mapped)->getBuffer());
  if (!parsed)
    return fileError(path, "invalid JSON: " + llvm::toString(parsed.takeError()));
  const json::Object *object = parsed->getAsObject();
  if (!object)
    return fileError(path, "not a JSON object");
  Config cfg{path, *object};

  std::string arch;
  if (const json::Array *archs = object->getArray("architectures"))
    if (!archs->empty())
      if (std::optional<StringRef> a = (*archs)[0].getAsString())
        arch = a->str();
  std::string modelType;
  if (std::optional<StringRef> t = object->getString("model_type"))
    modelType = t->str();
  static const std::pair<const char *, const char *> known[] = {
      {"LlamaForCausalLM", "llama"},
      {"MistralForCausalLM", "mistral"},
      {"Qwen2ForCausalLM", "qwen2"},
      {"Qwen3ForCausalLM", "qwen3"}};
  c.architecture.clear();
  for (auto [cls, type] : known)
    if (arch == cls || (arch.empty() && modelType == type))
      c.architecture = type;
  if (c.architecture.empty())
    return fileError(path, "unsupported architecture '" +
                               (arch.empty() ? modelType : arch) +
                               "' (kvq imports LlamaForCausalLM, "
                               "MistralForCausalLM, Qwen2ForCausalLM and "
                               "Qwen3ForCausalLM)");

#define KVQ_GET(dst, expr)                                                     \
  {                                                                            \
    auto v = (expr);                                                           \
    if (!v)                                                                    \
      return v.takeError();                                                    \
    dst = *v;                                                                  \
  }
  KVQ_GET(c.dim, cfg.integer("hidden_size"));
  KVQ_GET(c.hiddenDim, cfg.integer("intermediate_size"));
  KVQ_GET(c.numLayers, cfg.integer("num_hidden_layers"));
  KVQ_GET(c.numHeads, cfg.integer("num_attention_heads"));
  KVQ_GET(c.numKVHeads, cfg.integer("num_key_value_heads", c.numHeads));
  if (c.numHeads <= 0)
    return fileError(path, "inconsistent model configuration: "
                           "num_attention_heads must be positive");
  if (!object->get("head_dim") ||
      object->get("head_dim")->kind() == json::Value::Null) {
    if (c.dim % c.numHeads != 0)
      return fileError(path, "inconsistent model configuration: hidden_size " +
                                 llvm::Twine(c.dim) +
                                 " is not a multiple of num_attention_heads " +
                                 llvm::Twine(c.numHeads) +
                                 " and no head_dim is given");
    c.headDim = c.dim / c.numHeads;
  } else {
    KVQ_GET(c.headDim, cfg.integer("head_dim"));
  }
  KVQ_GET(c.vocabSize, cfg.integer("vocab_size"));
  KVQ_GET(c.maxSeqLen, cfg.integer("max_position_embeddings", 2048));
  KVQ_GET(c.ropeTheta, cfg.number("rope_theta", 10000.0));
  KVQ_GET(c.rmsEps, cfg.number("rms_norm_eps", 1e-6));
  KVQ_GET(c.tiedEmbeddings, cfg.boolean("tie_word_embeddings", false));
  bool attentionBias, mlpBias;
  KVQ_GET(attentionBias, cfg.boolean("attention_bias", false));
  KVQ_GET(mlpBias, cfg.boolean("mlp_bias", false));
#undef KVQ_GET
  std::string act = "silu";
  if (std::optional<StringRef> a = object->getString("hidden_act"))
    act = a->str();
  if (act != "silu")
    return fileError(path, "hidden_act '" + act +
                               "' is not supported (kvq imports SwiGLU "
                               "models, hidden_act 'silu')");
  if (mlpBias)
    return fileError(path, "mlp_bias is not supported");
  c.qkvBias = c.architecture == "qwen2";
  if (attentionBias && !c.qkvBias)
    return fileError(path, "attention_bias is not supported for " +
                               c.architecture);
  c.qkNorm = c.architecture == "qwen3";
  c.ropeStyle = RopeStyle::Half;
  if (c.headDim > 0 && c.headDim % 2 == 0 && c.ropeTheta > 0)
    c.ropeInvFreq = defaultRopeInvFreq(c.ropeTheta, c.headDim);
  if (llvm::Error e = applyRopeScaling(c, *object, path))
    return e;
  // Sliding-window attention: Mistral's sliding_window, Qwen's only when
  // use_sliding_window is set.
  bool useWindow = c.architecture == "mistral";
  if (c.architecture == "qwen2" || c.architecture == "qwen3") {
    auto u = cfg.boolean("use_sliding_window", false);
    if (!u)
      return u.takeError();
    useWindow = *u;
  }
  if (useWindow) {
    auto w = cfg.integer("sliding_window", 0);
    if (!w)
      return w.takeError();
    c.slidingWindow = *w;
  }
  return validateConfig(c, path);
}

llvm::Error kvq::detail::readSafeTensors(Checkpoint &ckpt,
                                         StringRef configPath) {
  StringRef path = ckpt.path;
  std::string dir, config = configPath.str();
  std::vector<std::string> shards;
  std::string index;
  if (llvm::sys::fs::is_directory(path)) {
    dir = path.str();
    llvm::SmallString<256> single(dir), sharded(dir);
    llvm::sys::path::append(single, "model.safetensors");
    llvm::sys::path::append(sharded, "model.safetensors.index.json");
    if (llvm::sys::fs::exists(single))
      shards.push_back(std::string(single));
    else if (llvm::sys::fs::exists(sharded))
      index = std::string(sharded);
    else
      return fileError(path, "directory has neither model.safetensors nor "
                             "model.safetensors.index.json");
  } else if (path.ends_with(".json")) {
    index = path.str();
    dir = llvm::sys::path::parent_path(path).str();
  } else {
    shards.push_back(path.str());
    dir = llvm::sys::path::parent_path(path).str();
  }
  if (dir.empty())
    dir = ".";
  if (config.empty()) {
    llvm::SmallString<256> c(dir);
    llvm::sys::path::append(c, "config.json");
    config = std::string(c);
    if (!llvm::sys::fs::exists(config))
      return fileError(path, "safetensors checkpoints need a Hugging Face "
                             "config.json; none beside it (" +
                                 config + "): pass --config");
  }
  if (llvm::Error e = readHFConfig(ckpt.config, config))
    return e;

  // Sharded: the index maps tensor names to shard files.
  llvm::StringMap<std::string> expectedShard;
  if (!index.empty()) {
    auto mapped = mapFile(index);
    if (!mapped)
      return mapped.takeError();
    auto parsed = json::parse((*mapped)->getBuffer());
    if (!parsed)
      return fileError(index, "invalid JSON: " +
                                  llvm::toString(parsed.takeError()));
    const json::Object *object = parsed->getAsObject();
    const json::Object *map = object ? object->getObject("weight_map") : nullptr;
    if (!map)
      return fileError(index, "no 'weight_map' object");
    llvm::StringSet<> seen;
    for (auto &kv : *map) {
      std::optional<StringRef> shard = kv.second.getAsString();
      if (!shard || shard->contains('/') || shard->contains('\\'))
        return fileError(index, "weight_map entry '" + kv.first.str() +
                                    "' must name a shard file in the same "
                                    "directory");
      llvm::SmallString<256> p(dir);
      llvm::sys::path::append(p, *shard);
      expectedShard[kv.first.str()] = std::string(p);
      if (seen.insert(*shard).second)
        shards.push_back(std::string(p));
    }
    llvm::sort(shards);
  }
  for (const std::string &shard : shards)
    if (llvm::Error e = readSafeTensorsFile(ckpt, shard))
      return e;
  for (auto &kv : expectedShard) {
    const TensorInfo *t = ckpt.lookup(kv.first());
    if (!t && !ckpt.unsupported.count(kv.first()))
      return fileError(index, "weight_map names tensor '" + kv.first() +
                                  "' in " + kv.second +
                                  " but that shard does not contain it");
  }

  const ModelConfig &c = ckpt.config;
  RoleNames names;
  names.embedding = "model.embed_tokens.weight";
  names.finalNorm = "model.norm.weight";
  names.classifier = c.tiedEmbeddings ? "" : "lm_head.weight";
  names.layer = [](int64_t l, StringRef role) -> std::string {
    std::string p = "model.layers." + std::to_string(l) + ".";
    static const std::pair<const char *, const char *> map[] = {
        {"attn_norm", "input_layernorm.weight"},
        {"wq", "self_attn.q_proj.weight"},
        {"wk", "self_attn.k_proj.weight"},
        {"wv", "self_attn.v_proj.weight"},
        {"wo", "self_attn.o_proj.weight"},
        {"bq", "self_attn.q_proj.bias"},
        {"bk", "self_attn.k_proj.bias"},
        {"bv", "self_attn.v_proj.bias"},
        {"q_norm", "self_attn.q_norm.weight"},
        {"k_norm", "self_attn.k_norm.weight"},
        {"ffn_norm", "post_attention_layernorm.weight"},
        {"w1", "mlp.gate_proj.weight"},
        {"w2", "mlp.down_proj.weight"},
        {"w3", "mlp.up_proj.weight"}};
    for (auto [r, n] : map)
      if (role == r)
        return p + n;
    return p + role.str();
  };
  return assignRoles(ckpt, names);
}
