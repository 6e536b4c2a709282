// Safetensors: an 8-byte little-endian header length, a JSON header, then
// the tensors' bytes; read with full validation, written sorted and packed.
#include "runtime/io/Safetensors.h"

#include "runtime/io/AtomicFile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <exception>
#include <new>
#include <set>
#include <utility>

namespace braid::runtime::io {

namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeaderLen = 100ull << 20; // as safetensors itself
constexpr char kMetadataKey[] = "__metadata__";

struct DTypeName {
  const char *name;
  DType dtype;
};
constexpr DTypeName kDTypes[] = {
    {"F32", DType::F32}, {"F64", DType::F64}, {"I32", DType::I32},
    {"I64", DType::I64}, {"U8", DType::U8},
};

const char *nameFor(DType dtype) {
  for (const DTypeName &d : kDTypes)
    if (d.dtype == dtype)
      return d.name;
  return nullptr;
}

// One tensor entry of the header, before its bytes are copied.
struct Entry {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

Status parseEntry(const std::string &where, const std::string &name,
                  const json &value, uint64_t bufferSize, Entry *entry) {
  const std::string tensor = where + "tensor '" + name + "': ";
  if (!value.is_object())
    return invalidData(tensor +
                       "expected a JSON object with dtype, shape "
                       "and data_offsets, found " +
                       value.type_name());
  auto dtypeIt = value.find("dtype");
  auto shapeIt = value.find("shape");
  auto offsetsIt = value.find("data_offsets");
  if (dtypeIt == value.end() || shapeIt == value.end() ||
      offsetsIt == value.end())
    return invalidData(tensor + "missing '" +
                       std::string(dtypeIt == value.end()   ? "dtype"
                                   : shapeIt == value.end() ? "shape"
                                                            : "data_offsets") +
                       "' (expected dtype, shape and data_offsets)");
  if (!dtypeIt->is_string())
    return invalidData(tensor + "'dtype' is not a string");
  const std::string &dtypeName = dtypeIt->get_ref<const std::string &>();
  const DTypeName *found = nullptr;
  for (const DTypeName &d : kDTypes)
    if (dtypeName == d.name)
      found = &d;
  if (!found)
    return unsupported(tensor + "dtype '" + dtypeName +
                       "' is not supported (expected F32, F64, I32, I64 or "
                       "U8)");
  entry->name = name;
  entry->dtype = found->dtype;

  if (!shapeIt->is_array())
    return invalidData(tensor + "'shape' is not an array");
  for (const json &d : *shapeIt) {
    if (!d.is_number_unsigned() ||
        d.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      return invalidData(tensor + "'shape' holds " + d.dump() +
                         "; expected non-negative integers");
    entry->shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
  }
  size_t bytes = 0;
  Status s = checkShape(entry->shape, entry->dtype, nullptr, &bytes);
  if (!s)
    return invalidData(tensor + "shape " + shapeIt->dump() + ": " +
                       s.message());

  const json &offsets = *offsetsIt;
  if (!offsets.is_array() || offsets.size() != 2 ||
      !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
    return invalidData(tensor + "'data_offsets' is " + offsets.dump() +
                       "; expected [begin, end] with non-negative integers");
  entry->begin = offsets[0].get<uint64_t>();
  entry->end = offsets[1].get<uint64_t>();
  if (entry->begin > entry->end || entry->end > bufferSize)
    return invalidData(
        tensor + "data_offsets [" + std::to_string(entry->begin) + ", " +
        std::to_string(entry->end) + "] lie outside the data buffer of " +
        std::to_string(bufferSize) + " bytes");
  if (entry->end - entry->begin != bytes)
    return invalidData(tensor + "data_offsets span " +
                       std::to_string(entry->end - entry->begin) +
                       " bytes; shape " + shapeIt->dump() + " of " + dtypeName +
                       " needs " + std::to_string(bytes));
  return Status::ok();
}

Status parseBuffer(const uint8_t *data, size_t size, const std::string &name,
                   std::vector<NamedArray> *out,
                   std::map<std::string, std::string> *metadata) {
  const std::string where = name + ": ";
  if (size < 8)
    return invalidData(where + "truncated: " + std::to_string(size) +
                       " bytes, expected at least the 8-byte header length");
  uint64_t headerLen = 0;
  for (int i = 7; i >= 0; --i)
    headerLen = (headerLen << 8) | data[i];
  if (headerLen > kMaxHeaderLen)
    return invalidData(where + "header length " + std::to_string(headerLen) +
                       " exceeds the limit of " +
                       std::to_string(kMaxHeaderLen) + " bytes");
  if (headerLen > size - 8)
    return invalidData(where + "truncated: the header length is " +
                       std::to_string(headerLen) + " bytes but only " +
                       std::to_string(size - 8) + " bytes follow");
  if (headerLen < 2 || data[8] != '{')
    return invalidData(where + "the header does not start with '{' (expected "
                               "a JSON object)");
  const uint8_t *headerBegin = data + 8;
  const uint8_t *headerEnd = headerBegin + headerLen;
  uint64_t bufferSize = size - 8 - headerLen;

  // nlohmann::json keeps the last of duplicate keys silently; a callback
  // catches them (a set of keys per open object).
  std::vector<std::set<std::string>> openObjects;
  std::string duplicate;
  json::parser_callback_t callback = [&](int, json::parse_event_t event,
                                         json &parsed) {
    if (event == json::parse_event_t::object_start) {
      openObjects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!openObjects.empty())
        openObjects.pop_back();
    } else if (event == json::parse_event_t::key && !openObjects.empty() &&
               parsed.is_string()) {
      const std::string &key = parsed.get_ref<const std::string &>();
      if (!openObjects.back().insert(key).second && duplicate.empty())
        duplicate = key;
    }
    return true;
  };
  json root = json::parse(headerBegin, headerEnd, callback,
                          /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    // Parse again with exceptions only to get the position and reason.
    std::string reason = "invalid JSON";
    try {
      json ignored = json::parse(headerBegin, headerEnd);
      (void)ignored;
    } catch (const json::exception &e) {
      reason = e.what();
    }
    return invalidData(where + "the header is not valid JSON: " + reason);
  }
  if (!duplicate.empty())
    return invalidData(where + "the header holds the key '" + duplicate +
                       "' twice");
  if (!root.is_object())
    return invalidData(where + "the header is a JSON " + root.type_name() +
                       "; expected an object");

  std::vector<Entry> entries;
  std::map<std::string, std::string> meta;
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it.key() == kMetadataKey) {
      if (!it.value().is_object())
        return invalidData(where + "'__metadata__' is a JSON " +
                           std::string(it.value().type_name()) +
                           "; expected an object of strings");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          return invalidData(where + "'__metadata__' entry '" + m.key() +
                             "' is " + m.value().dump() +
                             "; expected a string");
        meta[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    // The writer's rule (encodeSafetensors): a file this reader accepts can
    // be written back, as a tool that edits a checkpoint does.
    if (it.key().empty())
      return invalidData(where + "a tensor has an empty name; expected a "
                                 "non-empty name");
    Entry entry;
    BRAID_RETURN_IF_ERROR(
        parseEntry(where, it.key(), it.value(), bufferSize, &entry));
    entries.push_back(std::move(entry));
  }

  // The format demands the buffer be covered exactly: no overlap, no hole.
  std::vector<const Entry *> byOffset;
  for (const Entry &e : entries)
    byOffset.push_back(&e);
  std::sort(byOffset.begin(), byOffset.end(),
            [](const Entry *a, const Entry *b) {
              return std::make_pair(a->begin, a->end) <
                     std::make_pair(b->begin, b->end);
            });
  uint64_t cursor = 0;
  const Entry *previous = nullptr;
  for (const Entry *e : byOffset) {
    if (e->begin < cursor)
      return invalidData(
          where + "tensor '" + e->name + "' [" + std::to_string(e->begin) +
          ", " + std::to_string(e->end) + ") overlaps tensor '" +
          previous->name + "' [" + std::to_string(previous->begin) + ", " +
          std::to_string(previous->end) + ")");
    if (e->begin > cursor)
      return invalidData(where + "bytes [" + std::to_string(cursor) + ", " +
                         std::to_string(e->begin) +
                         ") of the data buffer belong to no tensor (expected "
                         "tensors to be packed without holes)");
    cursor = e->end;
    previous = e;
  }
  if (cursor != bufferSize)
    return invalidData(
        where + "the data buffer holds " + std::to_string(bufferSize) +
        " bytes but the tensors "
        "cover only " +
        std::to_string(cursor) + " (trailing bytes or a corrupted header)");

  std::vector<NamedArray> result;
  result.reserve(entries.size());
  const uint8_t *buffer = headerEnd;
  for (Entry &e : entries) {
    NamedArray named;
    named.name = std::move(e.name);
    named.array.dtype = e.dtype;
    named.array.shape = std::move(e.shape);
    named.array.data.assign(buffer + e.begin, buffer + e.end);
    result.push_back(std::move(named));
  }
  *out = std::move(result);
  if (metadata)
    *metadata = std::move(meta);
  return Status::ok();
}

} // namespace

Status readSafetensorsBuffer(const uint8_t *data, size_t size,
                             const std::string &name,
                             std::vector<NamedArray> *out,
                             std::map<std::string, std::string> *metadata) {
  if (!out)
    return invalidArgument(name + ": the output vector is null");
  if (!data && size > 0)
    return invalidArgument(name + ": null buffer");
  try {
    return parseBuffer(data, size, name, out, metadata);
  } catch (const std::bad_alloc &) {
    return invalidData(name + ": out of memory reading the file");
  } catch (const std::exception &e) {
    return invalidData(name + ": malformed header: " + e.what());
  } catch (...) {
    return invalidData(name + ": malformed header");
  }
}

Status readSafetensors(const std::string &path, std::vector<NamedArray> *out,
                       std::map<std::string, std::string> *metadata) {
  std::vector<uint8_t> buffer;
  BRAID_RETURN_IF_ERROR(readFile(path, &buffer));
  return readSafetensorsBuffer(buffer.data(), buffer.size(), path, out,
                               metadata);
}

Status encodeSafetensors(const std::vector<NamedArray> &arrays,
                         const std::map<std::string, std::string> &metadata,
                         std::vector<uint8_t> *out) {
  if (!out)
    return invalidArgument("encodeSafetensors: the output buffer is null");
  try {
    std::vector<const NamedArray *> sorted;
    for (const NamedArray &a : arrays) {
      if (a.name.empty())
        return invalidArgument("a tensor has an empty name");
      if (a.name == kMetadataKey)
        return invalidArgument("a tensor is named '__metadata__', which the "
                               "format reserves");
      BRAID_RETURN_IF_ERROR(
          checkArray(a.array).withContext("tensor '" + a.name + "'"));
      if (!nameFor(a.array.dtype))
        return invalidArgument("tensor '" + a.name + "' has an unknown dtype");
      sorted.push_back(&a);
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const NamedArray *a, const NamedArray *b) {
                return a->name < b->name;
              });
    for (size_t i = 1; i < sorted.size(); ++i)
      if (sorted[i]->name == sorted[i - 1]->name)
        return invalidArgument("two tensors are named '" + sorted[i]->name +
                               "' (expected unique names)");

    json header = json::object();
    if (!metadata.empty())
      header[kMetadataKey] = metadata;
    uint64_t offset = 0;
    for (const NamedArray *a : sorted) {
      uint64_t end = offset + a->array.data.size();
      header[a->name] = {{"dtype", nameFor(a->array.dtype)},
                         {"shape", a->array.shape},
                         {"data_offsets", {offset, end}}};
      offset = end;
    }
    std::string text;
    try {
      text = header.dump();
    } catch (const json::type_error &e) {
      return invalidArgument(std::string("a tensor name or metadata string "
                                         "is not valid UTF-8: ") +
                             e.what());
    }
    text.append((8 - text.size() % 8) % 8, ' ');
    out->clear();
    out->reserve(8 + text.size() + offset);
    uint64_t n = text.size();
    for (int i = 0; i < 8; ++i)
      out->push_back(static_cast<uint8_t>(n >> (8 * i)));
    out->insert(out->end(), text.begin(), text.end());
    for (const NamedArray *a : sorted)
      out->insert(out->end(), a->array.data.begin(), a->array.data.end());
  } catch (const std::bad_alloc &) {
    return invalidArgument("out of memory encoding a safetensors file");
  } catch (const std::exception &e) {
    return invalidArgument(std::string("cannot encode safetensors: ") +
                           e.what());
  }
  return Status::ok();
}

Status writeSafetensors(const std::string &path,
                        const std::vector<NamedArray> &arrays,
                        const std::map<std::string, std::string> &metadata) {
  std::vector<uint8_t> bytes;
  BRAID_RETURN_IF_ERROR(
      encodeSafetensors(arrays, metadata, &bytes).withContext(path));
  return writeFileAtomically(path, bytes.data(), bytes.size());
}

} // namespace braid::runtime::io
