// Canonicalization patterns of the braid ops.
#include "dialects/braid/IR/BraidOps.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace braid {
namespace {

/// matmul(transpose(x, [1, 0]), y) -> matmul(x, y) with the lhs flag flipped
/// (likewise on the rhs), and for batched operands any transpose that swaps
/// the last two dimensions only (attention's k^T, [0, 1, 3, 2]): a GEMM reads
/// a transposed operand at the cost of a plain one, while the transpose op
/// writes a whole copy.
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
      return rewriter.notifyMatchFailure(
          op, "no operand is a transpose of its last two dimensions");
    rewriter.replaceOpWithNewOp<MatmulOp>(op, lhs, rhs, transposeLhs,
                                          transposeRhs);
    return success();
  }

private:
  /// The input of `value`'s defining transpose when that swaps the last two
  /// axes and keeps every other in place.
  static Value swappedOperand(Value value) {
    auto transpose = value.getDefiningOp<TransposeOp>();
    if (!transpose)
      return {};
    ArrayRef<int64_t> perm = transpose.getPerm();
    int64_t rank = static_cast<int64_t>(perm.size());
    if (rank < 2 || perm[rank - 2] != rank - 1 || perm[rank - 1] != rank - 2)
      return {};
    for (int64_t i = 0; i < rank - 2; ++i)
      if (perm[i] != i)
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
