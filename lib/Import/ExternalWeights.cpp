//===- ExternalWeights.cpp - map external weights for execution -----------===//
#include "kvq/Import/ExternalWeights.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace mlir;

static llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error kvq::ExternalWeights::materialize(ModuleOp module,
                                              StringRef baseDir) {
  MLIRContext *ctx = module.getContext();
  ctx->loadDialect<memref::MemRefDialect, bufferization::BufferizationDialect>();
  SmallVector<ml_program::GlobalOp> globals;
  for (auto g : module.getOps<ml_program::GlobalOp>())
    globals.push_back(g);
  llvm::StringMap<std::pair<std::string, RankedTensorType>> renamed;
  for (ml_program::GlobalOp global : globals) {
    if (!isa_and_nonnull<ml_program::ExternAttr>(global.getValueAttr()))
      continue;
    auto info = global->getAttrOfType<DictionaryAttr>("kvq.external");
    std::string sym = global.getSymName().str();
    if (!info)
      return error("global @" + sym +
                   " is #ml_program.extern but has no kvq.external "
                   "dictionary naming its file");
    auto file = info.getAs<StringAttr>("file");
    auto tensorName = info.getAs<StringAttr>("tensor");
    auto offset = info.getAs<IntegerAttr>("offset");
    auto bytes = info.getAs<IntegerAttr>("bytes");
    auto fileSize = info.getAs<IntegerAttr>("file_size");
    auto type = dyn_cast<RankedTensorType>(global.getType());
    if (!file || !tensorName || !offset || !bytes || !type ||
        !type.hasStaticShape())
      return error("global @" + sym +
                   ": kvq.external needs file, tensor, offset and bytes, and "
                   "a statically shaped tensor type");
    Type el = type.getElementType();
    if (!el.isF32() && !el.isF16() && !el.isBF16())
      return error("global @" + sym + ": element type must be f32, f16 or bf16");
    uint64_t elSize = el.getIntOrFloatBitWidth() / 8;
    if (uint64_t(bytes.getInt()) != uint64_t(type.getNumElements()) * elSize)
      return error("global @" + sym + ": kvq.external says " +
                   llvm::Twine(bytes.getInt()) + " bytes but the type needs " +
                   llvm::Twine(type.getNumElements() * elSize));
    llvm::SmallString<256> path(file.getValue());
    if (llvm::sys::path::is_relative(path) && !baseDir.empty()) {
      llvm::SmallString<256> p(baseDir);
      llvm::sys::path::append(p, path);
      path = p;
    }
    auto &mapped = files[path];
    if (!mapped) {
      auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                                /*RequiresNullTerminator=*/false);
      if (!buffer)
        return error(path + ": cannot open the weights of @" + sym + ": " +
                     buffer.getError().message());
      mapped = std::move(*buffer);
    }
    uint64_t size = mapped->getBufferSize();
    if (fileSize && uint64_t(fileSize.getInt()) != size)
      return error(path + ": the file has " + llvm::Twine(size) +
                   " bytes but was " + llvm::Twine(fileSize.getInt()) +
                   " bytes when the module was imported (the checkpoint "
                   "changed: import it again)");
    if (offset.getInt() < 0 || uint64_t(offset.getInt()) > size ||
        uint64_t(bytes.getInt()) > size - uint64_t(offset.getInt()))
      return error(path + ": tensor '" + tensorName.getValue() + "' (" +
                   llvm::Twine(bytes.getInt()) + " bytes at offset " +
                   llvm::Twine(offset.getInt()) + ") runs past the end of " +
                   "the file (" + llvm::Twine(size) + " bytes)");
    const char *data = mapped->getBufferStart() + offset.getInt();
    void *address = const_cast<char *>(data);
    if (reinterpret_cast<uintptr_t>(data) % elSize != 0) {
      auto copy = std::make_unique<uint64_t[]>((bytes.getInt() + 7) / 8);
      std::memcpy(copy.get(), data, bytes.getInt());
      address = copy.get();
      copies.push_back(std::move(copy));
    }
    std::string jitName = "kvq.w." + sym;
    symbols[jitName] = address;
    ++count;
    this->bytes += bytes.getInt();

    OpBuilder b(global);
    auto memrefType = MemRefType::get(type.getShape(), el);
    memref::GlobalOp::create(b, global.getLoc(), b.getStringAttr(jitName),
                             /*sym_visibility=*/StringAttr(),
                             TypeAttr::get(memrefType),
                             /*initial_value=*/Attribute(), b.getUnitAttr(),
                             /*alignment=*/IntegerAttr());
    renamed[sym] = {jitName, type};
    global.erase();
  }
  if (renamed.empty())
    return llvm::Error::success();
  llvm::Error failure = llvm::Error::success();
  SmallVector<ml_program::GlobalLoadConstOp> loads;
  module.walk([&](ml_program::GlobalLoadConstOp op) { loads.push_back(op); });
  for (ml_program::GlobalLoadConstOp load : loads) {
    auto it = renamed.find(load.getGlobal().getLeafReference());
    if (it == renamed.end())
      continue;
    OpBuilder b(load);
    auto type = it->second.second;
    Value buffer = memref::GetGlobalOp::create(
        b, load.getLoc(), MemRefType::get(type.getShape(), type.getElementType()),
        FlatSymbolRefAttr::get(ctx, it->second.first));
    Value tensor = bufferization::ToTensorOp::create(
        b, load.getLoc(), type, buffer, /*restrict=*/b.getUnitAttr());
    load.replaceAllUsesWith(tensor);
    load.erase();
  }
  return failure;
}
