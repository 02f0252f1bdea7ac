//===- MiniJson.h - a small JSON reader for the runtime's manifest -*- C++ -*-===//
//
// The runtime must load with no LLVM or MLIR present, so it carries this
// ~100-line reader for the manifest kvq-gpu-aot writes (objects, arrays,
// strings without \u escapes beyond ASCII, numbers, true/false/null).
//
//===----------------------------------------------------------------------===//
#ifndef KVQ_LIB_RUNTIME_CUDA_MINIJSON_H
#define KVQ_LIB_RUNTIME_CUDA_MINIJSON_H

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kvq::json {

struct Value {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Value> array;
  std::map<std::string, Value> object;

  const Value *get(const std::string &key) const {
    auto it = object.find(key);
    return kind == Object && it != object.end() ? &it->second : nullptr;
  }
};

class Parser {
public:
  explicit Parser(const std::string &text) : s(text) {}
  /// Parses the whole text; on failure returns false and sets `error`.
  bool parse(Value &out, std::string &error) {
    if (!value(out) || (skip(), pos != s.size())) {
      error = "malformed JSON near byte " + std::to_string(pos);
      return false;
    }
    return true;
  }

private:
  void skip() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\n' ||
                              s[pos] == '\r' || s[pos] == '\t'))
      ++pos;
  }
  bool literal(const char *word) {
    size_t n = std::char_traits<char>::length(word);
    if (s.compare(pos, n, word) != 0)
      return false;
    pos += n;
    return true;
  }
  bool str(std::string &out) {
    if (pos >= s.size() || s[pos] != '"')
      return false;
    for (++pos; pos < s.size() && s[pos] != '"'; ++pos) {
      char c = s[pos];
      if (c == '\\' && pos + 1 < s.size()) {
        char e = s[++pos];
        c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
        if (e == 'u') { // keep ASCII code points, drop others
          if (pos + 4 >= s.size())
            return false;
          c = char(std::strtol(s.substr(pos + 1, 4).c_str(), nullptr, 16));
          pos += 4;
        }
      }
      out += c;
    }
    if (pos >= s.size())
      return false;
    ++pos;
    return true;
  }
  bool value(Value &v) {
    skip();
    if (pos >= s.size())
      return false;
    char c = s[pos];
    if (c == '{') {
      v.kind = Value::Object;
      ++pos;
      skip();
      if (pos < s.size() && s[pos] == '}')
        return ++pos, true;
      while (true) {
        skip();
        std::string key;
        if (!str(key))
          return false;
        skip();
        if (pos >= s.size() || s[pos++] != ':')
          return false;
        if (!value(v.object[key]))
          return false;
        skip();
        if (pos < s.size() && s[pos] == ',') {
          ++pos;
          continue;
        }
        return pos < s.size() && s[pos++] == '}';
      }
    }
    if (c == '[') {
      v.kind = Value::Array;
      ++pos;
      skip();
      if (pos < s.size() && s[pos] == ']')
        return ++pos, true;
      while (true) {
        v.array.emplace_back();
        if (!value(v.array.back()))
          return false;
        skip();
        if (pos < s.size() && s[pos] == ',') {
          ++pos;
          continue;
        }
        return pos < s.size() && s[pos++] == ']';
      }
    }
    if (c == '"')
      return v.kind = Value::String, str(v.string);
    if (literal("true"))
      return v.kind = Value::Bool, v.boolean = true, true;
    if (literal("false"))
      return v.kind = Value::Bool, true;
    if (literal("null"))
      return v.kind = Value::Null, true;
    char *end = nullptr;
    v.number = std::strtod(s.c_str() + pos, &end);
    if (end == s.c_str() + pos)
      return false;
    v.kind = Value::Number;
    pos = end - s.c_str();
    return true;
  }
  const std::string &s;
  size_t pos = 0;
};

} // namespace kvq::json

#endif // KVQ_LIB_RUNTIME_CUDA_MINIJSON_H
