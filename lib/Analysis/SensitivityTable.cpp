//===- SensitivityTable.cpp - kvq-calibrate's measured errors -------------===//
#include "kvq/Analysis/SensitivityTable.h"
#include "kvq/Support/FloatFormat.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <cstdio>
#include <map>

using namespace kvq;
using llvm::formatv;


namespace {

/// The line of every value of a JSON text, by path ("", "/widths",
/// "/layers/3", "/layers/3/key/kl/0"). llvm::json keeps no source positions,
/// so this walks the text once more; it runs only on text llvm::json::parse
/// accepted, so it tracks nesting, strings and line breaks and nothing else.
class JsonLines {
public:
  explicit JsonLines(llvm::StringRef text) : text(text) { value(""); }
  /// 1-based; the nearest enclosing value's line for a path not in the text.
  unsigned line(llvm::StringRef path) const {
    while (true) {
      auto it = lines.find(path);
      if (it != lines.end())
        return it->second;
      if (path.empty())
        return 1;
      path = path.rsplit('/').first;
    }
  }

private:
  bool at(char c) const { return pos < text.size() && text[pos] == c; }
  void space() {
    for (; pos < text.size() && llvm::isSpace(text[pos]); ++pos)
      if (text[pos] == '\n')
        ++lineNo;
  }
  std::string string() {
    std::string s;
    for (++pos; pos < text.size() && text[pos] != '"'; ++pos) {
      if (text[pos] == '\\')
        ++pos;
      if (pos < text.size())
        s += text[pos];
    }
    ++pos;
    return s;
  }
  void value(const std::string &path) {
    space();
    lines[path] = lineNo;
    if (at('{') || at('[')) {
      bool object = at('{');
      char close = object ? '}' : ']';
      ++pos;
      space();
      for (size_t i = 0; pos < text.size() && !at(close); ++i) {
        std::string key = std::to_string(i);
        if (object) {
          key = string();
          space();
          ++pos; // ':'
        }
        value(path + "/" + key);
        space();
        if (at(','))
          ++pos;
        space();
      }
      ++pos;
      return;
    }
    if (at('"')) {
      string();
      return;
    }
    while (pos < text.size() && !llvm::StringRef(",]} \t\r\n").contains(text[pos]))
      ++pos;
  }

  llvm::StringRef text;
  size_t pos = 0;
  unsigned lineNo = 1;
  llvm::StringMap<unsigned> lines;
};

} // namespace

static llvm::Error errorAt(llvm::StringRef file, unsigned line,
                           const llvm::Twine &why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 file + ":" + llvm::Twine(line) + ": " + why);
}

static std::string rowName(int64_t layer, int64_t head) {
  return head < 0 ? formatv("layer {0}", layer).str()
                  : formatv("layer {0} head {1}", layer, head).str();
}

llvm::Expected<SensitivityTable>
kvq::parseSensitivityTable(llvm::StringRef text, llvm::StringRef file,
                           llvm::StringRef metric) {
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  if (!json) {
    // "[line:column, byte=N]: why" -> "file:line:column: why".
    std::string msg = llvm::toString(json.takeError());
    llvm::StringRef rest(msg), where;
    if (rest.consume_front("[")) {
      std::tie(where, rest) = rest.split(", byte=");
      rest = rest.split("]: ").second;
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     file + ":" + where + ": " + rest);
    }
    return errorAt(file, 1, msg);
  }
  JsonLines lines(text);
  SensitivityTable t;
  t.file = file.str();
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return errorAt(file, lines.line(""),
                   "expected an object with 'widths' and 'layers' (the "
                   "table kvq-calibrate writes)");

  const llvm::json::Array *widths = root->getArray("widths");
  t.widthsLine = lines.line("/widths");
  if (!widths || widths->empty())
    return errorAt(file, t.widthsLine,
                   "'widths' must be a non-empty list of measured widths");
  for (const auto &[i, w] : llvm::enumerate(*widths)) {
    std::optional<double> v = w.getAsNumber();
    unsigned line = lines.line(formatv("/widths/{0}", i).str());
    if (!v || !(*v > 0 && *v <= 16))
      return errorAt(file, line, "a width must be a number in (0, 16]");
    if (!t.widths.empty() && *v <= t.widths.back())
      return errorAt(file, line, "'widths' must be strictly ascending");
    t.widths.push_back(*v);
  }

  std::optional<bool> perHead;
  if (const llvm::json::Value *gran = root->get("granularity")) {
    std::optional<llvm::StringRef> s = gran->getAsString();
    if (!s || (*s != "layer" && *s != "head"))
      return errorAt(file, lines.line("/granularity"),
                     "'granularity' must be \"layer\" or \"head\"");
    perHead = *s == "head";
  }

  const llvm::json::Array *rows = root->getArray("layers");
  t.rowsLine = lines.line("/layers");
  if (!rows || rows->empty())
    return errorAt(file, t.rowsLine,
                   "'layers' must be a non-empty list of rows");
  std::map<std::pair<int64_t, int64_t>, unsigned> seen;
  for (const auto &[i, r] : llvm::enumerate(*rows)) {
    std::string path = formatv("/layers/{0}", i).str();
    SensitivityRow row;
    row.line = lines.line(path);
    const llvm::json::Object *o = r.getAsObject();
    if (!o)
      return errorAt(file, row.line, "a row must be an object");
    std::optional<int64_t> layer = o->getInteger("layer");
    if (!layer || *layer < 0)
      return errorAt(file, row.line,
                     "a row needs 'layer', a non-negative integer");
    row.layer = *layer;
    const llvm::json::Value *head = o->get("head");
    if (!perHead)
      perHead = head != nullptr;
    if (*perHead && !head)
      return errorAt(file, row.line,
                     formatv("the row of layer {0} has no 'head', but the "
                             "table is per KV head",
                             row.layer));
    if (!*perHead && head)
      return errorAt(file, lines.line(path + "/head"),
                     formatv("the row of layer {0} has a 'head', but the "
                             "table is per layer",
                             row.layer));
    if (head) {
      std::optional<int64_t> h = head->getAsInteger();
      if (!h || *h < 0)
        return errorAt(file, lines.line(path + "/head"),
                       "'head' must be a non-negative integer");
      row.head = *h;
    }
    auto [it, fresh] = seen.try_emplace({row.layer, row.head}, row.line);
    if (!fresh)
      return errorAt(file, row.line,
                     formatv("a second row for {0} (the first is at line {1})",
                             rowName(row.layer, row.head), it->second));
    for (bool key : {true, false}) {
      llvm::StringRef tensor = key ? "key" : "value";
      std::string tpath = (path + "/" + tensor).str();
      const llvm::json::Object *to = o->getObject(tensor);
      const llvm::json::Array *errs = to ? to->getArray(metric) : nullptr;
      std::string what =
          formatv("{0}, {1}s: ", rowName(row.layer, row.head), tensor).str();
      if (!errs)
        return errorAt(file, lines.line(tpath + "/" + metric.str()),
                       what + "no '" + metric + "' list");
      if (errs->size() != t.widths.size())
        return errorAt(file, lines.line(tpath + "/" + metric.str()),
                       formatv("{0}{1} '{2}' errors for {3} widths", what,
                               errs->size(), metric, t.widths.size()));
      std::vector<double> &out = key ? row.key : row.value;
      for (const auto &[j, e] : llvm::enumerate(*errs)) {
        std::optional<double> v = e.getAsNumber();
        if (!v || !std::isfinite(*v) || *v < 0)
          return errorAt(
              file, lines.line(formatv("{0}/{1}/{2}", tpath, metric, j).str()),
              formatv("{0}the error at {1} bits must be a finite "
                      "non-negative number",
                      what, formatG(t.widths[j])));
        out.push_back(*v);
      }
    }
    t.rows.push_back(std::move(row));
  }
  t.perHead = *perHead;
  return t;
}

llvm::Expected<SensitivityTable>
kvq::readSensitivityTable(llvm::StringRef path, llvm::StringRef metric) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buf)
    return llvm::createStringError(buf.getError(),
                                   path + ": " + buf.getError().message());
  return parseSensitivityTable((*buf)->getBuffer(), path, metric);
}

llvm::Expected<std::vector<std::vector<double>>>
SensitivityTable::errorsFor(const AllocProblem &p) const {
  // The granularities must agree: a head's error is not a share of its
  // layer's (KL is not additive), nor a layer's the sum of its heads'.
  for (const AllocTensor &t : p.tensors) {
    if (t.layer < 0)
      return errorAt(file, 1,
                     "a sensitivity table is per layer or per KV head; "
                     "granularity=model cannot use it");
    if (perHead && t.head < 0)
      return errorAt(file, rows.front().line,
                     "the table is per KV head (kvq-calibrate --per-head): "
                     "it needs granularity=head");
    if (!perHead && t.head >= 0)
      return errorAt(file, rows.front().line,
                     "the table is per layer: granularity=head needs a "
                     "per-KV-head table (kvq-calibrate --per-head)");
  }
  std::vector<size_t> column;
  for (double c : p.candidates) {
    auto w = llvm::find(widths, c);
    if (w == widths.end())
      return errorAt(file, widthsLine,
                     formatv("candidate width {0} was not measured (widths "
                             "measured: {1})",
                             formatG(c), llvm::join(llvm::map_range(widths, formatG), ", ")));
    column.push_back(size_t(w - widths.begin()));
  }

  std::map<std::pair<int64_t, int64_t>, const SensitivityRow *> byKey;
  for (const SensitivityRow &r : rows)
    byKey[{r.layer, r.head}] = &r;
  std::map<int64_t, int64_t> headsOf; // layer -> KV heads in the problem
  for (const AllocTensor &t : p.tensors)
    headsOf[t.layer] = std::max(headsOf[t.layer], t.head + 1);
  std::vector<std::vector<double>> errors;
  for (const AllocTensor &t : p.tensors) {
    auto it = byKey.find({t.layer, t.head});
    if (it == byKey.end())
      return errorAt(file, rowsLine,
                     formatv("no row for {0} of the module (a table measured "
                             "on another model?)",
                             rowName(t.layer, t.head)));
    const std::vector<double> &all = t.isKey ? it->second->key
                                             : it->second->value;
    std::vector<double> row;
    for (size_t j : column)
      row.push_back(all[j]);
    errors.push_back(std::move(row));
  }
  // Rows the module does not have: the table is another model's.
  for (const SensitivityRow &r : rows) {
    auto l = headsOf.find(r.layer);
    if (l == headsOf.end())
      return errorAt(file, r.line,
                     formatv("layer {0} is not a layer of the module (it has "
                             "{1} layers with caches; a table measured on "
                             "another model?)",
                             r.layer, headsOf.size()));
    if (r.head >= 0 && r.head >= l->second)
      return errorAt(file, r.line,
                     formatv("head {0}: layer {1} of the module has {2} KV "
                             "heads (a table measured on another model?)",
                             r.head, r.layer, l->second));
  }
  return errors;
}
