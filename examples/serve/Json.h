// Tensors to and from JSON: nested arrays whose shape is the tensor's, with
// a batch dimension of 1 to B rows that is padded to the plan's B.
#ifndef BRAID_SERVE_JSON_H
#define BRAID_SERVE_JSON_H

#include "ModelHandle.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace serve {

/// Reads `value` into a buffer of t.bytes. When t's first dimension is the
/// plan's batch, `value` may hold 1 to batch rows and *rows says how many
/// (the rest of the buffer is zeros); otherwise `value` must have t's shape
/// and *rows is -1. f32 takes any JSON number, i32 only integers in range.
/// On failure returns false with a message naming the offending element.
bool tensorFromJson(const nlohmann::json &value, const TensorSpec &t,
                    int64_t batch, std::vector<unsigned char> *out,
                    int64_t *rows, std::string *error);

/// The first `rows` rows of an output (all of it when rows < 0 or its first
/// dimension is not the batch) as nested arrays.
nlohmann::json tensorToJson(const std::vector<unsigned char> &data,
                            const TensorSpec &t, int64_t batch, int64_t rows);

/// Parses a request body with bounds on what the parse may build: arrays
/// and objects at most `maxDepth` deep, at most `maxValues` JSON values in
/// all. Either bound stops the parse where it is crossed, so a body's tree
/// costs a bounded multiple of what predict takes, whatever the body holds.
/// On failure returns false with an HTTP status (400 not JSON or a number
/// out of range of a double, 413 over a bound) and a message.
bool parseBody(const std::string &body, int maxDepth, size_t maxValues,
               nlohmann::json *out, int *status, std::string *error);

/// "logits[0][3] = inf" for the first value of the first `rows` rows of an
/// f32 output that is not finite; empty when all are (and for i32).
std::string firstNonFinite(const std::vector<unsigned char> &data,
                           const TensorSpec &t, int64_t batch, int64_t rows);

/// {"name", "type", "shape"} of a tensor.
nlohmann::json specToJson(const TensorSpec &t);

} // namespace serve

#endif // BRAID_SERVE_JSON_H
