//===- FloatFormat.cpp - f32/f16/bf16 weights as raw bytes -----------------===//
#include "kvq/Support/FloatFormat.h"

#include <cstdio>

#include <cstring>

using namespace kvq;

llvm::StringRef kvq::floatFormatName(FloatFormat format) {
  switch (format) {
  case FloatFormat::F32:
    return "f32";
  case FloatFormat::F16:
    return "f16";
  case FloatFormat::BF16:
    return "bf16";
  }
  return "?";
}

unsigned kvq::floatFormatSize(FloatFormat format) {
  return format == FloatFormat::F32 ? 4 : 2;
}

std::optional<FloatFormat> kvq::parseFloatFormat(llvm::StringRef name) {
  if (name == "f32")
    return FloatFormat::F32;
  if (name == "f16")
    return FloatFormat::F16;
  if (name == "bf16")
    return FloatFormat::BF16;
  return std::nullopt;
}

float kvq::halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { // subnormal: renormalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while (!(mant & 0x400));
      bits = sign | uint32_t(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float kvq::bf16ToFloat(uint16_t h) {
  uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float kvq::loadAsFloat(const void *data, FloatFormat format, int64_t index) {
  const char *p = static_cast<const char *>(data);
  if (format == FloatFormat::F32) {
    float f;
    std::memcpy(&f, p + 4 * index, 4);
    return f;
  }
  uint16_t h;
  std::memcpy(&h, p + 2 * index, 2);
  return format == FloatFormat::F16 ? halfToFloat(h) : bf16ToFloat(h);
}

std::string kvq::formatG(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}
