// Idx: the IDX header (0, 0, type, rank, big-endian int32 dimensions), its
// big-endian data, and zlib inflation of gzip-compressed files.
#include "runtime/io/Idx.h"

#include "runtime/io/AtomicFile.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <vector>

namespace braid::runtime::io {

namespace {

// Inflates every gzip member of `data` into `out`, refusing more than `limit`
// bytes of output.
Status gunzip(const uint8_t *data, size_t size, const std::string &where,
              uint64_t limit, std::vector<uint8_t> *out) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, 15 + 16) != Z_OK)
    return ioError(where + "cannot initialize zlib");
  struct Guard {
    z_stream *zs;
    ~Guard() { inflateEnd(zs); }
  } guard{&zs};

  // Room for one byte past the limit tells "exactly the limit" from "more".
  uint64_t cap = limit < UINT64_MAX ? limit + 1 : limit;
  // The trailer's ISIZE (the size mod 2^32) is a hint for the first
  // allocation, trusted no further than deflate's best ratio (1032:1).
  uint64_t hint = 4096;
  if (size >= 18) {
    uint64_t isize = static_cast<uint64_t>(data[size - 4]) |
                     static_cast<uint64_t>(data[size - 3]) << 8 |
                     static_cast<uint64_t>(data[size - 2]) << 16 |
                     static_cast<uint64_t>(data[size - 1]) << 24;
    hint = std::max<uint64_t>(
        hint, std::min<uint64_t>(isize + 1, uint64_t(size) * 1032));
  }
  size_t consumed = 0, produced = 0;
  out->resize(std::min(cap, hint));
  for (;;) {
    if (produced == out->size()) {
      if (out->size() >= cap)
        return invalidData(where + "inflates to more than " +
                           std::to_string(limit) +
                           " bytes (the limit for an IDX file)");
      out->resize(std::min<uint64_t>(cap, uint64_t(out->size()) * 2));
    }
    // zlib counts in uInt: feed and drain at most 1 GiB at a time.
    constexpr size_t kChunk = 1u << 30;
    size_t inAvail = std::min(size - consumed, kChunk);
    size_t outAvail = std::min(out->size() - produced, kChunk);
    zs.next_in = const_cast<Bytef *>(data + consumed);
    zs.avail_in = static_cast<uInt>(inAvail);
    zs.next_out = out->data() + produced;
    zs.avail_out = static_cast<uInt>(outAvail);
    int r = inflate(&zs, Z_NO_FLUSH);
    consumed += inAvail - zs.avail_in;
    produced += outAvail - zs.avail_out;
    if (r == Z_STREAM_END) {
      // Another gzip member may follow (as `cat a.gz b.gz` makes).
      if (consumed == size)
        break;
      if (size - consumed >= 2 && data[consumed] == 0x1f &&
          data[consumed + 1] == 0x8b) {
        if (inflateReset(&zs) != Z_OK)
          return invalidData(where + "cannot restart zlib");
        continue;
      }
      return invalidData(where + std::to_string(size - consumed) +
                         " bytes of trailing garbage after the gzip stream");
    }
    if (r == Z_BUF_ERROR) {
      // No progress possible: either output is full (grow) or input is gone.
      if (zs.avail_out == 0)
        continue;
      if (consumed == size)
        return invalidData(where + "truncated gzip stream (the file ends "
                                   "before the compressed data does)");
      return invalidData(where + "gzip stream stalled");
    }
    if (r != Z_OK)
      return invalidData(where + "corrupt gzip stream: " +
                         (zs.msg ? zs.msg : "zlib error " + std::to_string(r)));
    if (consumed == size && zs.avail_out != 0)
      return invalidData(where + "truncated gzip stream (the file ends "
                                 "before the compressed data does)");
  }
  if (produced > limit)
    return invalidData(where + "inflates to more than " +
                       std::to_string(limit) +
                       " bytes (the limit for an IDX file)");
  out->resize(produced);
  return Status::ok();
}

uint32_t readBE32(const uint8_t *p) {
  return (static_cast<uint32_t>(p[0]) << 24) |
         (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}

struct IdxType {
  uint8_t code;
  const char *name;
  size_t fileSize; // bytes per element in the file
  DType dtype;
};
constexpr IdxType kTypes[] = {
    {0x08, "unsigned byte", 1, DType::U8}, {0x09, "signed byte", 1, DType::I32},
    {0x0B, "short", 2, DType::I32},        {0x0C, "int", 4, DType::I32},
    {0x0D, "float", 4, DType::F32},        {0x0E, "double", 8, DType::F64},
};

Status parseIdx(const uint8_t *data, size_t size, const std::string &where,
                Array *out) {
  if (size < 4)
    return invalidData(where + "truncated: " + std::to_string(size) +
                       " bytes, expected at least the 4-byte IDX magic");
  if (data[0] != 0 || data[1] != 0)
    return invalidData(where +
                       "not an IDX file (expected two zero bytes at "
                       "the start, found 0x" +
                       [&] {
                         char b[8];
                         std::snprintf(b, sizeof b, "%02x%02x", data[0],
                                       data[1]);
                         return std::string(b);
                       }() +
                       ")");
  const IdxType *type = nullptr;
  for (const IdxType &t : kTypes)
    if (t.code == data[2])
      type = &t;
  if (!type)
    return invalidData(where + "unknown IDX element type 0x" + [&] {
      char b[8];
      std::snprintf(b, sizeof b, "%02x", data[2]);
      return std::string(b);
    }() + " (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)");
  size_t rank = data[3];
  size_t headerSize = 4 + 4 * rank;
  if (size < headerSize)
    return invalidData(where + "truncated: " + std::to_string(rank) +
                       " dimensions need a " + std::to_string(headerSize) +
                       "-byte header, the file has " + std::to_string(size) +
                       " bytes");
  std::vector<int64_t> shape;
  for (size_t i = 0; i < rank; ++i) {
    uint32_t d = readBE32(data + 4 + 4 * i);
    if (d > static_cast<uint32_t>(std::numeric_limits<int32_t>::max()))
      return invalidData(where + "dimension " + std::to_string(i) + " is " +
                         std::to_string(static_cast<int32_t>(d)) +
                         "; expected a non-negative int32");
    shape.push_back(d);
  }
  int64_t elements = 0;
  // Checked for the in-file element size, then for the output's.
  size_t fileBytes = 0, outBytes = 0;
  Status s = checkShape(shape, type->dtype, &elements, &outBytes);
  if (s) {
    if (__builtin_mul_overflow(static_cast<uint64_t>(elements), type->fileSize,
                               &fileBytes))
      s = invalidArgument("the byte size overflows");
  }
  if (!s)
    return invalidData(where + "dimensions: " + s.message());
  size_t available = size - headerSize;
  if (available != fileBytes)
    return invalidData(where + "holds " + std::to_string(available) +
                       " data bytes; " + std::to_string(elements) +
                       " elements of type " + type->name + " need exactly " +
                       std::to_string(fileBytes) +
                       (available < fileBytes ? " (truncated file)" : ""));

  Array result;
  result.dtype = type->dtype;
  result.shape = std::move(shape);
  result.data.resize(outBytes);
  const uint8_t *src = data + headerSize;
  uint8_t *dst = result.data.data();
  switch (type->code) {
  case 0x08:
    // An empty array's data() may be null, which memcpy must not be given
    // even for 0 bytes.
    if (fileBytes != 0)
      std::memcpy(dst, src, fileBytes);
    break;
  case 0x09:
    for (int64_t i = 0; i < elements; ++i) {
      int32_t v = static_cast<int8_t>(src[i]);
      std::memcpy(dst + 4 * i, &v, 4);
    }
    break;
  case 0x0B:
    for (int64_t i = 0; i < elements; ++i) {
      int32_t v = static_cast<int16_t>(
          static_cast<uint16_t>((src[2 * i] << 8) | src[2 * i + 1]));
      std::memcpy(dst + 4 * i, &v, 4);
    }
    break;
  default:
    // 4- and 8-byte types: reverse each element's bytes.
    for (int64_t i = 0; i < elements; ++i)
      for (size_t b = 0; b < type->fileSize; ++b)
        dst[i * type->fileSize + b] =
            src[i * type->fileSize + (type->fileSize - 1 - b)];
    break;
  }
  *out = std::move(result);
  return Status::ok();
}

} // namespace

Status readIdxBuffer(const uint8_t *data, size_t size, const std::string &name,
                     Array *out, uint64_t maxInflatedBytes) {
  if (!out)
    return invalidArgument(name + ": the output array is null");
  if (!data && size > 0)
    return invalidArgument(name + ": null buffer");
  const std::string where = name + ": ";
  try {
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
      std::vector<uint8_t> inflated;
      BRAID_RETURN_IF_ERROR(
          gunzip(data, size, where, maxInflatedBytes, &inflated));
      return parseIdx(inflated.data(), inflated.size(), where, out);
    }
    return parseIdx(data, size, where, out);
  } catch (const std::bad_alloc &) {
    return invalidData(where + "out of memory reading the file");
  } catch (const std::length_error &) {
    return invalidData(where + "the file is too large to read into memory");
  } catch (const std::exception &e) {
    return invalidData(where + e.what());
  }
}

Status readIdx(const std::string &path, Array *out) {
  std::vector<uint8_t> buffer;
  BRAID_RETURN_IF_ERROR(readFile(path, &buffer));
  return readIdxBuffer(buffer.data(), buffer.size(), path, out);
}

} // namespace braid::runtime::io
