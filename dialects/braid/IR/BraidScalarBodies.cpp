// The scalar bodies of the fusible ops (FusibleOpInterface): each op's value
// at one element as arith and math ops on f32, exactly the formula of its
// prebuilt runtime kernel (runtime/kernels/Elementwise.cpp,
// ElementwiseGrad.cpp, Binary.cpp), NaN and signed-zero behaviour included:
// a fused plan must agree with the unfused one. No fast-math flags: the
// generated code keeps IEEE semantics (NaN compares, infinities).
#include "dialects/braid/IR/BraidOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

#include "dialects/braid/IR/BraidFusionInterfaces.cpp.inc"

using namespace mlir;

namespace braid {
namespace {

/// A small builder of f32 arithmetic at one location.
struct Scalar {
  OpBuilder &b;
  Location loc;

  Value c(double v) {
    return arith::ConstantOp::create(b, loc,
                                     b.getF32FloatAttr(static_cast<float>(v)));
  }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value neg(Value x) { return arith::NegFOp::create(b, loc, x); }
  Value cmp(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }
  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }
  Value tanh(Value x) { return math::TanhOp::create(b, loc, x); }
  Value erf(Value x) { return math::ErfOp::create(b, loc, x); }
  Value sqrt(Value x) { return math::SqrtOp::create(b, loc, x); }

  /// gelu_tanh's inner argument u = sqrt(2 / pi) * (x + 0.044715 * x^3).
  Value geluTanhArg(Value x) {
    Value x3 = mul(mul(x, x), x);
    return mul(c(std::sqrt(2.0 / M_PI)), add(x, mul(c(0.044715), x3)));
  }
  /// The standard normal CDF, 0.5 * (1 + erf(x / sqrt(2))).
  Value normalCdf(Value x) {
    return mul(c(0.5), add(c(1.0), erf(mul(x, c(M_SQRT1_2)))));
  }
  /// `x p y || x != x ? x : y`: the runtime's maximum (p = OGT) and minimum
  /// (p = OLT).
  Value pickFirstIfOrNaN(arith::CmpFPredicate p, Value x, Value y) {
    Value pickX = arith::OrIOp::create(b, loc, cmp(p, x, y),
                                       cmp(arith::CmpFPredicate::UNO, x, x));
    return select(pickX, x, y);
  }
};

Scalar at(OpBuilder &b, Location loc) { return Scalar{b, loc}; }

} // namespace

//===----------------------------------------------------------------------===//
// Binary (Binary.cpp)
//===----------------------------------------------------------------------===//

Value AddOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  return at(b, loc).add(v[0], v[1]);
}
Value SubOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  return at(b, loc).sub(v[0], v[1]);
}
Value MulOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  return at(b, loc).mul(v[0], v[1]);
}
Value DivOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  return at(b, loc).div(v[0], v[1]);
}

// `a > b || a != a ? a : b`: NaN in either operand gives NaN, and of equal
// values (+0 and -0) the second. arith.maximumf would pick +0 and
// arith.maxnumf would drop the NaN, so neither is the runtime's formula.
Value MaximumOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  return at(b, loc).pickFirstIfOrNaN(arith::CmpFPredicate::OGT, v[0], v[1]);
}
// `a < b || a != a ? a : b`, as maximum.
Value MinimumOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  return at(b, loc).pickFirstIfOrNaN(arith::CmpFPredicate::OLT, v[0], v[1]);
}

//===----------------------------------------------------------------------===//
// Unary (Elementwise.cpp)
//===----------------------------------------------------------------------===//

// `x < 0 ? 0 : x`: NaN and -0 pass through.
Value ReluOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  Scalar s = at(b, loc);
  return s.select(s.cmp(arith::CmpFPredicate::OLT, v[0], s.c(0.0)), s.c(0.0),
                  v[0]);
}
Value SigmoidOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  Scalar s = at(b, loc);
  return s.div(s.c(1.0), s.add(s.c(1.0), s.exp(s.neg(v[0]))));
}
Value TanhOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  return at(b, loc).tanh(v[0]);
}
Value GeluOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  Scalar s = at(b, loc);
  return s.mul(v[0], s.normalCdf(v[0]));
}
Value GeluTanhOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  Scalar s = at(b, loc);
  Value t = s.tanh(s.geluTanhArg(v[0]));
  return s.mul(s.mul(s.c(0.5), v[0]), s.add(s.c(1.0), t));
}
Value ExpOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  return at(b, loc).exp(v[0]);
}
Value LogOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  return math::LogOp::create(b, loc, v[0]);
}
Value SqrtOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  return at(b, loc).sqrt(v[0]);
}
// 1 / sqrt(x), correctly rounded at each step (math.rsqrt may become an
// approximate instruction).
Value RsqrtOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  Scalar s = at(b, loc);
  return s.div(s.c(1.0), s.sqrt(v[0]));
}
Value AbsOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  return math::AbsFOp::create(b, loc, v[0]);
}

/// x^n for a small integer n by repeated squaring (exact for n = 2, within a
/// few ulps of powf otherwise).
static Value integerPower(Scalar &s, Value x, int64_t n) {
  bool invert = n < 0;
  uint64_t m = invert ? -n : n;
  Value result, square = x;
  while (m) {
    if (m & 1)
      result = result ? s.mul(result, square) : square;
    m >>= 1;
    if (m)
      square = s.mul(square, square);
  }
  return invert ? s.div(s.c(1.0), result) : result;
}

// C's powf(x, exponent) (the runtime's oneDNN eltwise_pow with alpha = 1):
// the common exponents as exact arithmetic, the rest as math.powf.
Value PowOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  Scalar s = at(b, loc);
  float e = static_cast<float>(getExponentAttr().getValueAsDouble());
  if (e == 0.f)
    return s.c(1.0); // powf(x, 0) is 1 for every x, NaN included
  if (e == std::nearbyint(e) && std::fabs(e) <= 16.f)
    return integerPower(s, v[0], static_cast<int64_t>(e));
  if (e == 0.5f || e == -0.5f) {
    // powf(x, +-0.5) is sqrt(x) or its inverse except at -0 (+0: adding
    // zero turns sqrt's -0 into +0) and at -inf (+inf, not NaN).
    Value root = s.add(s.sqrt(v[0]), s.c(0.0));
    Value value = e > 0 ? root : s.div(s.c(1.0), root);
    Value minusInf = s.cmp(arith::CmpFPredicate::OEQ, v[0], s.c(-INFINITY));
    return s.select(minusInf, s.c(e > 0 ? INFINITY : 0.0), value);
  }
  return math::PowFOp::create(b, loc, v[0], s.c(e));
}

//===----------------------------------------------------------------------===//
// Gradients (ElementwiseGrad.cpp); operands (dy, x) or (dy, y)
//===----------------------------------------------------------------------===//

// `x <= 0 ? 0 : dy`: the gradient passes where x > 0 and where x is NaN.
Value ReluGradOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  Scalar s = at(b, loc);
  return s.select(s.cmp(arith::CmpFPredicate::OLE, v[1], s.c(0.0)), s.c(0.0),
                  v[0]);
}
// dy * y * (1 - y)
Value SigmoidGradOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  Scalar s = at(b, loc);
  return s.mul(s.mul(v[0], v[1]), s.sub(s.c(1.0), v[1]));
}
// dy * (1 - y * y)
Value TanhGradOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  Scalar s = at(b, loc);
  return s.mul(v[0], s.sub(s.c(1.0), s.mul(v[1], v[1])));
}
// dy * (Phi(x) + x * phi(x)), phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
Value GeluGradOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  Scalar s = at(b, loc);
  Value x = v[1];
  Value pdf = s.mul(s.c(1.0 / std::sqrt(2.0 * M_PI)),
                    s.exp(s.mul(s.c(-0.5), s.mul(x, x))));
  return s.mul(v[0], s.add(s.normalCdf(x), s.mul(x, pdf)));
}
// dy * (0.5 (1 + tanh(u)) + 0.5 x (1 - tanh(u)^2) u'),
// u' = sqrt(2 / pi) * (1 + 3 * 0.044715 * x^2)
Value GeluTanhGradOp::buildScalar(OpBuilder &b, Location loc, ValueRange v) {
  Scalar s = at(b, loc);
  Value x = v[1];
  Value t = s.tanh(s.geluTanhArg(x));
  Value du = s.mul(s.c(std::sqrt(2.0 / M_PI)),
                   s.add(s.c(1.0), s.mul(s.c(3.0 * 0.044715), s.mul(x, x))));
  Value left = s.mul(s.c(0.5), s.add(s.c(1.0), t));
  Value right =
      s.mul(s.mul(s.mul(s.c(0.5), x), s.sub(s.c(1.0), s.mul(t, t))), du);
  return s.mul(v[0], s.add(left, right));
}

} // namespace braid
