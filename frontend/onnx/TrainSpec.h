// TrainSpec: braidc's --loss/--optimizer/--batch for an imported model, as
// the braid.train attribute a train block gives a model file.
#ifndef BRAID_FRONTEND_ONNX_TRAINSPEC_H
#define BRAID_FRONTEND_ONNX_TRAINSPEC_H

#include "frontend/onnx/OnnxImport.h"

#include "mlir/IR/Builders.h"

#include <optional>

namespace braid::frontend::onnx_import {

/// The braid.train dictionary for `options` (loss "loss", the optimizer and
/// its hyper-parameters with their defaults, batch, epochs), or nullopt with
/// `error` saying what in --optimizer is wrong. The optimizer is written as
/// in a train block: "adam", "adam(lr = 0.001)", "sgd(0.1, momentum = 0.9)".
std::optional<mlir::DictionaryAttr> trainAttribute(mlir::OpBuilder &builder,
                                                   const ImportOptions &options,
                                                   std::string *error);

} // namespace braid::frontend::onnx_import

#endif // BRAID_FRONTEND_ONNX_TRAINSPEC_H
