// Npy: a strict .npy reader (the header's Python-literal dictionary is parsed
// by hand, never evaluated) and a writer byte-compatible with np.save.
#include "runtime/io/Npy.h"

#include "runtime/io/AtomicFile.h"

#include <cctype>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <vector>

namespace braid::runtime::io {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr size_t kMaxHeaderLen = 1 << 20; // numpy itself refuses > 10000
constexpr size_t kMaxRank = 64;           // numpy's NPY_MAXDIMS is 32 or 64
constexpr size_t kAlign = 64;
constexpr size_t kGrowthAxisMaxDigits = 21; // numpy pads so shape[0] can grow

struct Descr {
  const char *text;
  DType dtype;
};
constexpr Descr kDescrs[] = {
    {"<f4", DType::F32}, {"<f8", DType::F64}, {"<i4", DType::I32},
    {"<i8", DType::I64}, {"|u1", DType::U8},  {"<u1", DType::U8},
};

const char *descrFor(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "<f4";
  case DType::F64:
    return "<f8";
  case DType::I32:
    return "<i4";
  case DType::I64:
    return "<i8";
  case DType::U8:
    return "|u1";
  }
  return nullptr;
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

// One value of the header dictionary.
struct Value {
  enum Kind { String, Bool, Tuple } kind = String;
  std::string text;
  bool flag = false;
  std::vector<int64_t> items;
};

// A parser for the literal dictionary numpy writes:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// Strings in single or double quotes without escapes, True/False, and tuples
// of non-negative integers; nothing else.
class HeaderParser {
public:
  HeaderParser(const char *begin, const char *end, bool allowLongSuffix)
      : begin_(begin), p_(begin), end_(end), allowLong_(allowLongSuffix) {}

  std::string error; // set on failure

  bool parseDict(std::vector<std::pair<std::string, Value>> *entries) {
    skipSpace();
    if (!expect('{', "'{' opening the header dictionary"))
      return false;
    skipSpace();
    if (peek() == '}') {
      ++p_;
    } else {
      for (;;) {
        std::string key;
        Value value;
        skipSpace();
        if (peek() != '\'' && peek() != '"')
          return fail("expected a quoted key");
        if (!parseString(&key))
          return false;
        skipSpace();
        if (!expect(':', "':' after key '" + key + "'"))
          return false;
        skipSpace();
        if (!parseValue(key, &value))
          return false;
        entries->emplace_back(std::move(key), std::move(value));
        skipSpace();
        if (peek() == ',') {
          ++p_;
          skipSpace();
          if (peek() == '}') {
            ++p_;
            break;
          }
          continue;
        }
        if (peek() == '}') {
          ++p_;
          break;
        }
        return fail("expected ',' or '}' after the value of '" +
                    entries->back().first + "'");
      }
    }
    skipSpace();
    if (p_ != end_)
      return fail("unexpected text after the header dictionary");
    return true;
  }

private:
  char peek() const { return p_ < end_ ? *p_ : '\0'; }
  void skipSpace() {
    while (p_ < end_ &&
           (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r'))
      ++p_;
  }
  bool fail(const std::string &what) {
    error = what + " at byte " + std::to_string(p_ - begin_) + " of the header";
    return false;
  }
  bool expect(char c, const std::string &what) {
    if (peek() != c)
      return fail("expected " + what);
    ++p_;
    return true;
  }
  bool parseString(std::string *out) {
    char quote = *p_++;
    const char *start = p_;
    while (p_ < end_ && *p_ != quote) {
      if (*p_ == '\\')
        return fail("escape sequences in header strings are not supported");
      if (*p_ == '\n')
        return fail("unterminated string");
      ++p_;
    }
    if (p_ >= end_)
      return fail("unterminated string");
    out->assign(start, p_);
    ++p_;
    return true;
  }
  bool parseWord(const char *word) {
    size_t n = std::strlen(word);
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0)
      return false;
    const char *after = p_ + n;
    if (after < end_ &&
        (std::isalnum(static_cast<unsigned char>(*after)) || *after == '_'))
      return false;
    p_ = after;
    return true;
  }
  bool parseInt(int64_t *out) {
    bool negative = false;
    if (peek() == '-') {
      negative = true;
      ++p_;
      skipSpace();
    }
    if (!(peek() >= '0' && peek() <= '9'))
      return fail("expected an integer");
    uint64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      if (v > (UINT64_MAX - 9) / 10)
        return fail("integer too large");
      v = v * 10 + static_cast<uint64_t>(*p_++ - '0');
    }
    if (allowLong_ && (peek() == 'L' || peek() == 'l'))
      ++p_; // Python 2 long literals, as numpy's _filter_header allows
    if (negative)
      return fail("negative dimension -" + std::to_string(v));
    if (v > static_cast<uint64_t>(INT64_MAX))
      return fail("dimension " + std::to_string(v) + " too large");
    *out = static_cast<int64_t>(v);
    return true;
  }
  bool parseTuple(Value *out) {
    ++p_; // '('
    out->kind = Value::Tuple;
    skipSpace();
    if (peek() == ')') {
      ++p_;
      return true;
    }
    bool trailingComma = false;
    for (;;) {
      if (out->items.size() >= kMaxRank)
        return fail("more than " + std::to_string(kMaxRank) + " dimensions");
      int64_t v;
      if (!parseInt(&v))
        return false;
      out->items.push_back(v);
      skipSpace();
      if (peek() == ',') {
        ++p_;
        skipSpace();
        if (peek() == ')') {
          trailingComma = true;
          ++p_;
          break;
        }
        continue;
      }
      if (peek() == ')') {
        ++p_;
        break;
      }
      return fail("expected ',' or ')' in the shape tuple");
    }
    if (out->items.size() == 1 && !trailingComma)
      return fail("expected a tuple for the shape, found a parenthesized "
                  "integer (a 1-tuple needs a trailing comma)");
    return true;
  }
  bool parseValue(const std::string &key, Value *out) {
    char c = peek();
    if (c == '\'' || c == '"') {
      out->kind = Value::String;
      return parseString(&out->text);
    }
    if (c == '(')
      return parseTuple(out);
    if (parseWord("True")) {
      out->kind = Value::Bool;
      out->flag = true;
      return true;
    }
    if (parseWord("False")) {
      out->kind = Value::Bool;
      out->flag = false;
      return true;
    }
    if (c == '[' || c == '{')
      return fail("value of '" + key +
                  "' is a list or dictionary (structured dtypes are not "
                  "supported)");
    return fail("expected a string, True, False or a tuple as the value of '" +
                key + "'");
  }

  const char *begin_;
  const char *p_;
  const char *end_;
  bool allowLong_;
};

uint32_t readLE(const uint8_t *p, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}

} // namespace

Status readNpyBuffer(const uint8_t *data, size_t size, const std::string &name,
                     Array *out) {
  if (!out)
    return invalidArgument(name + ": the output array is null");
  if (!data && size > 0)
    return invalidArgument(name + ": null buffer");
  const std::string where = name + ": ";
  if (size < kMagicLen + 2 || std::memcmp(data, kMagic, kMagicLen) != 0)
    return invalidData(where + "not a .npy file (expected the magic "
                               "\"\\x93NUMPY\" at the start)");
  uint8_t major = data[6], minor = data[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    return unsupported(where + "npy format version " + std::to_string(major) +
                       "." + std::to_string(minor) +
                       " (expected 1.0, 2.0 or 3.0)");
  size_t lenBytes = major == 1 ? 2 : 4;
  size_t prefix = kMagicLen + 2 + lenBytes;
  if (size < prefix)
    return invalidData(where +
                       "truncated: the file ends inside the header "
                       "length field (" +
                       std::to_string(size) + " bytes)");
  size_t headerLen = readLE(data + kMagicLen + 2, lenBytes);
  if (headerLen > kMaxHeaderLen)
    return invalidData(where + "header length " + std::to_string(headerLen) +
                       " exceeds the limit of " +
                       std::to_string(kMaxHeaderLen) + " bytes");
  if (headerLen > size - prefix)
    return invalidData(where + "truncated: the header length is " +
                       std::to_string(headerLen) + " bytes but only " +
                       std::to_string(size - prefix) +
                       " bytes follow the header length field");
  const char *hb = reinterpret_cast<const char *>(data + prefix);

  std::vector<std::pair<std::string, Value>> entries;
  try {
    HeaderParser parser(hb, hb + headerLen, /*allowLongSuffix=*/major < 3);
    if (!parser.parseDict(&entries))
      return invalidData(where + "malformed header: " + parser.error);
  } catch (const std::bad_alloc &) {
    return invalidData(where + "out of memory parsing the header");
  }

  const Value *descr = nullptr, *fortran = nullptr, *shape = nullptr;
  for (const auto &[key, value] : entries) {
    const Value **slot = key == "descr"           ? &descr
                         : key == "fortran_order" ? &fortran
                         : key == "shape"         ? &shape
                                                  : nullptr;
    if (!slot)
      return invalidData(where + "unexpected header key '" + key +
                         "' (expected only 'descr', 'fortran_order' and "
                         "'shape')");
    if (*slot)
      return invalidData(where + "header key '" + key + "' appears twice");
    *slot = &value;
  }
  if (!descr || !fortran || !shape)
    return invalidData(where + "header lacks the key '" +
                       std::string(!descr     ? "descr"
                                   : !fortran ? "fortran_order"
                                              : "shape") +
                       "' (expected 'descr', 'fortran_order' and 'shape')");
  if (descr->kind != Value::String)
    return invalidData(where + "'descr' is not a string");
  if (fortran->kind != Value::Bool)
    return invalidData(where + "'fortran_order' is not True or False");
  if (shape->kind != Value::Tuple)
    return invalidData(where + "'shape' is not a tuple of integers");

  const Descr *found = nullptr;
  for (const Descr &d : kDescrs)
    if (descr->text == d.text)
      found = &d;
  if (!found)
    return unsupported(where + "dtype '" + descr->text +
                       "' (expected '<f4', '<f8', '<i4', '<i8' or '|u1')");
  if (fortran->flag)
    return unsupported(where + "Fortran-order (column-major) arrays are not "
                               "supported; save a C-order array "
                               "(np.ascontiguousarray)");

  int64_t elements = 0;
  size_t bytes = 0;
  Status s = checkShape(shape->items, found->dtype, &elements, &bytes);
  if (!s)
    return invalidData(where + "shape " + shapeText(shape->items) + ": " +
                       s.message());
  size_t dataStart = prefix + headerLen;
  size_t available = size - dataStart;
  if (available != bytes)
    return invalidData(
        where + "holds " + std::to_string(available) + " data bytes; shape " +
        shapeText(shape->items) + " of '" + found->text + "' needs exactly " +
        std::to_string(bytes) + (available < bytes ? " (truncated file)" : ""));
  try {
    Array result;
    result.dtype = found->dtype;
    result.shape = shape->items;
    result.data.assign(data + dataStart, data + size);
    *out = std::move(result);
  } catch (const std::bad_alloc &) {
    return invalidData(where + "out of memory for " + std::to_string(bytes) +
                       " data bytes");
  }
  return Status::ok();
}

Status readNpy(const std::string &path, Array *out) {
  std::vector<uint8_t> buffer;
  BRAID_RETURN_IF_ERROR(readFile(path, &buffer));
  return readNpyBuffer(buffer.data(), buffer.size(), path, out);
}

Status encodeNpy(const Array &array, std::vector<uint8_t> *out) {
  if (!out)
    return invalidArgument("encodeNpy: the output buffer is null");
  BRAID_RETURN_IF_ERROR(checkArray(array));
  const char *descr = descrFor(array.dtype);
  if (!descr)
    return invalidArgument("unknown dtype");
  if (array.shape.size() > kMaxRank)
    return invalidArgument("rank " + std::to_string(array.shape.size()) +
                           " exceeds the .npy limit of " +
                           std::to_string(kMaxRank));
  try {
    // The dictionary exactly as numpy's _write_array_header spells it.
    std::string header =
        "{'descr': '" + std::string(descr) +
        "', 'fortran_order': False, 'shape': " + shapeText(array.shape) + ", }";
    if (!array.shape.empty())
      header.append(
          kGrowthAxisMaxDigits - std::to_string(array.shape[0]).size(), ' ');
    size_t hlen = header.size() + 1; // + '\n'
    size_t pad = kAlign - (kMagicLen + 2 + 2 + hlen) % kAlign;
    header.append(pad, ' ');
    header += '\n';
    if (header.size() > 0xffff)
      return invalidArgument("the .npy header is too long for version 1.0");
    out->clear();
    out->reserve(kMagicLen + 4 + header.size() + array.data.size());
    out->insert(out->end(), kMagic, kMagic + kMagicLen);
    out->push_back(1);
    out->push_back(0);
    out->push_back(static_cast<uint8_t>(header.size() & 0xff));
    out->push_back(static_cast<uint8_t>(header.size() >> 8));
    out->insert(out->end(), header.begin(), header.end());
    out->insert(out->end(), array.data.begin(), array.data.end());
  } catch (const std::bad_alloc &) {
    return invalidArgument("out of memory encoding " +
                           std::to_string(array.data.size()) + " bytes");
  }
  return Status::ok();
}

Status writeNpy(const std::string &path, const Array &array) {
  std::vector<uint8_t> bytes;
  BRAID_RETURN_IF_ERROR(encodeNpy(array, &bytes).withContext(path));
  return writeFileAtomically(path, bytes.data(), bytes.size());
}

} // namespace braid::runtime::io
