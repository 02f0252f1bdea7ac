//===- Npy.cpp - read and write NumPy .npy arrays --------------------------===//
#include "kvq/Support/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace kvq;
using llvm::StringRef;

namespace {
struct DTypeInfo {
  NpyDType type;
  const char *descr;
  const char *alias; // the same type as NumPy may spell it
  unsigned size;
};
const DTypeInfo kDTypes[] = {
    {NpyDType::F16, "<f2", "<f2", 2}, {NpyDType::F32, "<f4", "<f4", 4},
    {NpyDType::F64, "<f8", "<f8", 8}, {NpyDType::I8, "|i1", "<i1", 1},
    {NpyDType::U8, "|u1", "<u1", 1},  {NpyDType::I16, "<i2", "<i2", 2},
    {NpyDType::U16, "<u2", "<u2", 2}, {NpyDType::I32, "<i4", "<i4", 4},
    {NpyDType::I64, "<i8", "<i8", 8},
};
} // namespace

unsigned kvq::npyElementSize(NpyDType type) {
  for (const DTypeInfo &info : kDTypes)
    if (info.type == type)
      return info.size;
  return 0;
}

StringRef kvq::npyDescr(NpyDType type) {
  for (const DTypeInfo &info : kDTypes)
    if (info.type == type)
      return info.descr;
  return "";
}

int64_t NpyArray::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string NpyArray::shapeString() const {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

static llvm::Error fail(StringRef path, const llvm::Twine &why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "'" + path + "': " + why);
}

/// The value text of `'key': value` in the header dictionary.
static std::optional<StringRef> headerField(StringRef header, StringRef key) {
  std::string quoted = ("'" + key + "'").str();
  size_t at = header.find(quoted);
  if (at == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(at + quoted.size()).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  return rest.ltrim();
}

llvm::Expected<NpyArray> kvq::readNpy(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fail(path, "cannot open: " + buffer.getError().message());
  StringRef bytes = (*buffer)->getBuffer();
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return fail(path, "not a .npy file (bad magic)");
  unsigned major = uint8_t(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = uint8_t(bytes[8]) | (uint8_t(bytes[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fail(path, "truncated header");
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= size_t(uint8_t(bytes[8 + i])) << (8 * i);
    headerStart = 12;
  } else {
    return fail(path, "unsupported .npy version " + llvm::Twine(major));
  }
  if (bytes.size() < headerStart + headerLen)
    return fail(path, "truncated header");
  StringRef header = bytes.substr(headerStart, headerLen);

  NpyArray array;
  std::optional<StringRef> descr = headerField(header, "descr");
  if (!descr || descr->size() < 2)
    return fail(path, "header has no 'descr'");
  StringRef d = descr->drop_front().take_until([](char c) {
    return c == '\'' || c == '"';
  });
  bool known = false;
  for (const DTypeInfo &info : kDTypes)
    if (d == info.descr || d == info.alias) {
      array.type = info.type;
      known = true;
    }
  if (!known)
    return fail(path,
                "unsupported dtype '" + d +
                    "' (expected little-endian f2/f4/f8/i1/u1/i2/u2/i4/i8)");
  std::optional<StringRef> order = headerField(header, "fortran_order");
  if (!order)
    return fail(path, "header has no 'fortran_order'");
  if (order->starts_with("True"))
    return fail(path, "Fortran-order arrays are not supported; save a "
                      "C-contiguous array (np.ascontiguousarray)");
  std::optional<StringRef> shape = headerField(header, "shape");
  if (!shape || !shape->starts_with("("))
    return fail(path, "header has no 'shape'");
  StringRef dims = shape->drop_front().take_until([](char c) { return c == ')'; });
  llvm::SmallVector<StringRef> parts;
  dims.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t v;
    if (part.getAsInteger(10, v) || v < 0)
      return fail(path, "bad dimension '" + part + "' in shape");
    array.shape.push_back(v);
  }
  size_t expected = size_t(array.numElements()) * npyElementSize(array.type);
  size_t available = bytes.size() - headerStart - headerLen;
  if (available < expected)
    return fail(path, "truncated data: shape " + array.shapeString() +
                          " needs " + llvm::Twine(expected) + " bytes, file has " +
                          llvm::Twine(available));
  const char *data = bytes.data() + headerStart + headerLen;
  array.data.assign(data, data + expected);
  return array;
}

llvm::Error kvq::writeNpy(StringRef path, const NpyArray &array) {
  std::string header = "{'descr': '" + npyDescr(array.type).str() +
                       "', 'fortran_order': False, 'shape': " +
                       array.shapeString() + ", }";
  // Pad so that the data starts at a multiple of 64 bytes.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return fail(path, "cannot write: " + ec.message());
  os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
     << char(header.size() >> 8) << header;
  os.write(reinterpret_cast<const char *>(array.data.data()), array.data.size());
  os.close();
  if (os.has_error())
    return fail(path, "write failed");
  return llvm::Error::success();
}
