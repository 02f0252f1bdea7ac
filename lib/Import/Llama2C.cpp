//===- Llama2C.cpp - read llama2.c checkpoints -----------------------------===//
//
// Two float32 layouts of karpathy/llama2.c's export.py:
//
//  legacy:     7 x int32 header (dim, hidden_dim, n_layers, n_heads,
//              n_kv_heads, vocab_size, seq_len; vocab_size < 0 means an
//              unshared classifier), then token_embedding, rms_att, wq, wk, wv,
//              wo, rms_ffn, w1, w2, w3, rms_final, freq_cis_real,
//              freq_cis_imag, [wcls].
//  version 1:  256-byte header: uint32 magic 0x616b3432 ("ak42"), int32
//              version 1, the 7 ints, uint8 shared_classifier; then
//              rms_att, rms_ffn, rms_final, token_embedding, wq, wk, wv, wo,
//              w1, w2, w3, [wcls].
//
// Version 2 (Q8_0 groups) is refused. Per-layer tensors are stored stacked
// over layers; each layer's slice becomes one named tensor.
//
//===----------------------------------------------------------------------===//
#include "kvq/Import/Checkpoint.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace kvq;
using namespace kvq::detail;
using llvm::StringRef;

static constexpr uint32_t kMagicV1 = 0x616b3432; // "ak42"

llvm::Error kvq::detail::readLlama2C(Checkpoint &ckpt) {
  const std::string &path = ckpt.path;
  auto mapped = mapFile(path);
  if (!mapped)
    return mapped.takeError();
  StringRef bytes = (*mapped)->getBuffer();
  llvm::SmallString<256> absolute(path);
  llvm::sys::fs::make_absolute(absolute);

  auto readI32 = [&](size_t at) {
    int32_t v;
    std::memcpy(&v, bytes.data() + at, 4);
    return v;
  };
  uint32_t magic = 0;
  if (bytes.size() >= 4)
    std::memcpy(&magic, bytes.data(), 4);
  bool v1 = magic == kMagicV1;
  size_t headerBytes = v1 ? 256 : 28;
  if (bytes.size() < headerBytes)
    return fileError(path, "truncated llama2.c header: the file has " +
                               llvm::Twine(bytes.size()) + " bytes, the " +
                               (v1 ? "version-1" : "legacy") + " header needs " +
                               llvm::Twine(headerBytes));
  size_t base = 0;
  if (v1) {
    int32_t version = readI32(4);
    if (version != 1)
      return fileError(path, "llama2.c export version " + llvm::Twine(version) +
                                 " is not supported (only the float32 legacy "
                                 "and version-1 formats; version 2 is Q8_0)");
    base = 8;
  }
  int32_t h[7];
  for (int i = 0; i < 7; ++i)
    h[i] = readI32(base + 4 * i);
  ModelConfig &c = ckpt.config;
  c.architecture = "llama";
  c.dim = h[0];
  c.hiddenDim = h[1];
  c.numLayers = h[2];
  c.numHeads = h[3];
  c.numKVHeads = h[4];
  bool shared;
  if (v1) {
    c.vocabSize = h[5];
    shared = bytes[base + 28] != 0;
  } else {
    shared = h[5] > 0;
    c.vocabSize = h[5] < 0 ? -int64_t(h[5]) : h[5];
  }
  c.maxSeqLen = h[6];
  c.tiedEmbeddings = shared;
  c.ropeStyle = RopeStyle::Interleaved;
  c.ropeTheta = 10000.0;
  c.rmsEps = 1e-5;
  if (c.dim > 0 && c.numHeads > 0 && c.dim % c.numHeads != 0)
    return fileError(path, "bad llama2.c header: dim " + llvm::Twine(c.dim) +
                               " is not a multiple of n_heads " +
                               llvm::Twine(c.numHeads));
  c.headDim = c.numHeads > 0 ? c.dim / c.numHeads : 0;
  c.ropeInvFreq = defaultRopeInvFreq(c.ropeTheta, c.headDim);
  if (llvm::Error e = validateConfig(c, path))
    return fileError(path, "bad llama2.c header (dim " + llvm::Twine(h[0]) +
                               ", hidden_dim " + llvm::Twine(h[1]) +
                               ", n_layers " + llvm::Twine(h[2]) +
                               ", n_heads " + llvm::Twine(h[3]) +
                               ", n_kv_heads " + llvm::Twine(h[4]) +
                               ", vocab_size " + llvm::Twine(h[5]) +
                               ", seq_len " + llvm::Twine(h[6]) + "): " +
                               StringRef(llvm::toString(std::move(e)))
                                   .drop_front(path.size() + 2));

  // The tensor directory, in file order.
  uint64_t L = c.numLayers, dim = c.dim, hid = c.hiddenDim, V = c.vocabSize;
  uint64_t q = c.numHeads * c.headDim, kv = c.numKVHeads * c.headDim;
  struct Entry {
    std::string name; // "%d" is the layer
    bool perLayer;
    std::vector<int64_t> shape;
  };
  std::vector<Entry> entries;
  Entry emb{"tok_embeddings.weight", false, {int64_t(V), int64_t(dim)}};
  Entry attnNorm{"layers.%d.attention_norm.weight", true, {int64_t(dim)}};
  Entry wq{"layers.%d.attention.wq.weight", true, {int64_t(q), int64_t(dim)}};
  Entry wk{"layers.%d.attention.wk.weight", true, {int64_t(kv), int64_t(dim)}};
  Entry wv{"layers.%d.attention.wv.weight", true, {int64_t(kv), int64_t(dim)}};
  Entry wo{"layers.%d.attention.wo.weight", true, {int64_t(dim), int64_t(q)}};
  Entry ffnNorm{"layers.%d.ffn_norm.weight", true, {int64_t(dim)}};
  Entry w1{"layers.%d.feed_forward.w1.weight", true, {int64_t(hid), int64_t(dim)}};
  Entry w2{"layers.%d.feed_forward.w2.weight", true, {int64_t(dim), int64_t(hid)}};
  Entry w3{"layers.%d.feed_forward.w3.weight", true, {int64_t(hid), int64_t(dim)}};
  Entry norm{"norm.weight", false, {int64_t(dim)}};
  Entry freqs{"freq_cis", false, {2, int64_t(c.maxSeqLen), int64_t(c.headDim / 2)}};
  Entry cls{"output.weight", false, {int64_t(V), int64_t(dim)}};
  if (v1)
    entries = {attnNorm, ffnNorm, norm, emb, wq, wk, wv, wo, w1, w2, w3};
  else
    entries = {emb, attnNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3, norm, freqs};
  if (!shared)
    entries.push_back(cls);

  uint64_t expected = headerBytes;
  for (const Entry &e : entries) {
    uint64_t n = 1;
    for (int64_t d : e.shape)
      n *= uint64_t(d);
    expected += (e.perLayer ? L : 1) * n * 4;
  }
  if (bytes.size() != expected)
    return fileError(
        path, llvm::Twine(bytes.size() < expected ? "truncated" : "oversized") +
                  " llama2.c checkpoint: the header (dim " + llvm::Twine(dim) +
                  ", hidden_dim " + llvm::Twine(hid) + ", n_layers " +
                  llvm::Twine(L) + ", n_heads " + llvm::Twine(c.numHeads) +
                  ", n_kv_heads " + llvm::Twine(c.numKVHeads) + ", vocab " +
                  llvm::Twine(V) + ", seq_len " + llvm::Twine(c.maxSeqLen) +
                  (shared ? ", shared" : ", unshared") +
                  " classifier) implies " + llvm::Twine(expected) +
                  " bytes but the file has " + llvm::Twine(bytes.size()));

  uint64_t offset = headerBytes;
  for (const Entry &e : entries) {
    uint64_t n = 1;
    for (int64_t d : e.shape)
      n *= uint64_t(d);
    for (uint64_t l = 0; l < (e.perLayer ? L : 1); ++l) {
      TensorInfo t;
      t.name = e.name;
      if (e.perLayer)
        t.name.replace(t.name.find("%d"), 2, std::to_string(l));
      t.dtype = WeightDType::F32;
      t.shape = e.shape;
      t.file = std::string(absolute);
      t.offset = offset;
      t.bytes = n * 4;
      t.data = bytes.data() + offset;
      offset += t.bytes;
      if (llvm::Error err = ckpt.add(std::move(t)))
        return err;
    }
  }
  ckpt.files.push_back(std::move(*mapped));

  RoleNames names;
  names.embedding = "tok_embeddings.weight";
  names.finalNorm = "norm.weight";
  names.classifier = shared ? "" : "output.weight";
  names.layer = [](int64_t l, StringRef role) -> std::string {
    std::string p = "layers." + std::to_string(l) + ".";
    if (role == "attn_norm")
      return p + "attention_norm.weight";
    if (role == "ffn_norm")
      return p + "ffn_norm.weight";
    if (role == "wq" || role == "wk" || role == "wv" || role == "wo")
      return p + "attention." + role.str() + ".weight";
    if (role == "w1" || role == "w2" || role == "w3")
      return p + "feed_forward." + role.str() + ".weight";
    return p + role.str(); // no biases or q/k norms in llama2.c
  };
  return assignRoles(ckpt, names);
}
