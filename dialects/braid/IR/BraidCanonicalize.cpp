// Canonicalization patterns of the braid ops.
#include "dialects/braid/IR/BraidOps.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace braid {
namespace {

/// matmul(transpose(x, [1, 0]), y) -> matmul(x, y) with the lhs flag flipped
/// (likewise on the rhs): a GEMM reads a transposed operand at the cost of a
/// plain one, while the transpose op writes a whole copy.
struct FoldTransposeIntoMatmul : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    Value lhs = op.getLhs(), rhs = op.getRhs();
    bool transposeLhs = op.getTransposeLhs(),
         transposeRhs = op.getTransposeRhs();
    bool changed = false;
    if (Value inner = swappedOperand(lhs)) {
      lhs = inner;
      transposeLhs = !transposeLhs;
      changed = true;
    }
    if (Value inner = swappedOperand(rhs)) {
      rhs = inner;
      transposeRhs = !transposeRhs;
      changed = true;
    }
    if (!changed)
      return rewriter.notifyMatchFailure(op, "no operand is a 2-D transpose");
    rewriter.replaceOpWithNewOp<MatmulOp>(op, lhs, rhs, transposeLhs,
                                          transposeRhs);
    return success();
  }

private:
  /// The input of `value`'s defining transpose when that swaps two axes.
  static Value swappedOperand(Value value) {
    auto transpose = value.getDefiningOp<TransposeOp>();
    if (!transpose)
      return {};
    ArrayRef<int64_t> perm = transpose.getPerm();
    if (perm.size() != 2 || perm[0] != 1 || perm[1] != 0)
      return {};
    return transpose.getInput();
  }
};

} // namespace

void MatmulOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                           MLIRContext *context) {
  patterns.add<FoldTransposeIntoMatmul>(context);
}

} // namespace braid
