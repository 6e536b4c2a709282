// OpTable: the one list of ONNX op types braidc imports, each with its
// mapping (Graph.h).
#include "frontend/onnx/Graph.h"

#include <algorithm>

namespace braid::frontend::onnx_import {

namespace {

struct Entry {
  const char *opType;
  OpImporter importer;
};

// Sorted by op type.
constexpr Entry kOps[] = {
    {"Add", importBinary},
    {"AveragePool", importPool},
    {"Cast", importCast},
    {"Concat", importConcat},
    {"Constant", importConstant},
    {"ConstantOfShape", importConstantOfShape},
    {"Conv", importConv},
    {"Div", importBinary},
    {"Erf", importErf},
    {"Flatten", importFlatten},
    {"Gather", importGather},
    {"Gelu", importUnary},
    {"Gemm", importGemm},
    {"Identity", importIdentity},
    {"LayerNormalization", importLayerNorm},
    {"LogSoftmax", importSoftmax},
    {"MatMul", importMatMul},
    {"MaxPool", importPool},
    {"Mul", importBinary},
    {"Pad", importPad},
    {"Pow", importPow},
    {"ReduceMean", importReduceMean},
    {"Relu", importUnary},
    {"Reshape", importReshape},
    {"Shape", importShape},
    {"Sigmoid", importUnary},
    {"Slice", importSlice},
    {"Softmax", importSoftmax},
    {"Split", importSplit},
    {"Sqrt", importUnary},
    {"Squeeze", importUnsqueeze},
    {"Sub", importBinary},
    {"Tanh", importUnary},
    {"Transpose", importTranspose},
    {"Trilu", importTrilu},
    {"Unsqueeze", importUnsqueeze},
    {"Where", importWhere},
};

} // namespace

OpImporter findOpImporter(const std::string &opType) {
  for (const Entry &e : kOps)
    if (opType == e.opType)
      return e.importer;
  return nullptr;
}

const std::vector<std::string> &supportedOps() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const Entry &e : kOps)
      v.push_back(e.opType);
    return v;
  }();
  return names;
}

} // namespace braid::frontend::onnx_import
