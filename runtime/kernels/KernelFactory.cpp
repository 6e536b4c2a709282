// createKernel: dispatches a step to its op family's factory.
#include "runtime/kernels/Dnnl.h"

namespace braid::runtime {

using namespace kernels;

Status createKernel(const StepDesc &step, KernelContext &context,
                    std::unique_ptr<Kernel> *out) {
  if (!out)
    return invalidArgument("createKernel: out is null");
  out->reset();
  Factory factory = nullptr;
  switch (step.kind) {
  case plan::KernelKind::Matmul:
    factory = createMatmul;
    break;
  case plan::KernelKind::Add:
  case plan::KernelKind::Sub:
  case plan::KernelKind::Mul:
  case plan::KernelKind::Div:
    factory = createBinary;
    break;
  case plan::KernelKind::Relu:
  case plan::KernelKind::Sigmoid:
  case plan::KernelKind::Tanh:
  case plan::KernelKind::Gelu:
    factory = createElementwise;
    break;
  case plan::KernelKind::Softmax:
  case plan::KernelKind::LogSoftmax:
    factory = createSoftmax;
    break;
  case plan::KernelKind::SparseSoftmaxCrossEntropy:
    factory = createSparseSoftmaxCrossEntropy;
    break;
  case plan::KernelKind::MeanSquaredError:
    factory = createMeanSquaredError;
    break;
  case plan::KernelKind::ReduceSum:
  case plan::KernelKind::ReduceMean:
    factory = createReduce;
    break;
  case plan::KernelKind::Reshape:
  case plan::KernelKind::Flatten:
    factory = createReshape;
    break;
  case plan::KernelKind::Transpose:
    factory = createTranspose;
    break;
  case plan::KernelKind::BroadcastTo:
    factory = createBroadcastTo;
    break;
  case plan::KernelKind::Conv2D:
    factory = createConv2D;
    break;
  case plan::KernelKind::MaxPool2D:
  case plan::KernelKind::AvgPool2D:
    factory = createPool2D;
    break;
  case plan::KernelKind::ReluGrad:
  case plan::KernelKind::SigmoidGrad:
  case plan::KernelKind::TanhGrad:
  case plan::KernelKind::GeluGrad:
    factory = createEltwiseGrad;
    break;
  case plan::KernelKind::SoftmaxGrad:
  case plan::KernelKind::LogSoftmaxGrad:
    factory = createSoftmaxGrad;
    break;
  case plan::KernelKind::SparseSoftmaxCrossEntropyGrad:
    factory = createSparseSoftmaxCrossEntropyGrad;
    break;
  case plan::KernelKind::MeanSquaredErrorGrad:
    factory = createMeanSquaredErrorGrad;
    break;
  case plan::KernelKind::Conv2DBackwardData:
  case plan::KernelKind::Conv2DBackwardFilter:
    factory = createConv2DBackward;
    break;
  case plan::KernelKind::MaxPool2DGrad:
    factory = createMaxPool2DGrad;
    break;
  case plan::KernelKind::AvgPool2DGrad:
    factory = createAvgPool2DGrad;
    break;
  case plan::KernelKind::Accuracy:
    factory = createAccuracy;
    break;
  case plan::KernelKind::SgdUpdate:
    factory = createSgdUpdate;
    break;
  case plan::KernelKind::AdamUpdate:
    factory = createAdamUpdate;
    break;
  case plan::KernelKind::Increment:
    factory = createIncrement;
    break;
  case plan::KernelKind::AllReduce:
  case plan::KernelKind::AllReduceStart:
  case plan::KernelKind::AllReduceWait:
  case plan::KernelKind::Broadcast:
    factory = createCollective;
    break;
  }
  if (!factory)
    return unsupported("no kernel for " + kindName(step.kind));
  try {
    return factory(step, context, out);
  } catch (...) {
    return statusFromException(kindName(step.kind) + " step");
  }
}

} // namespace braid::runtime
