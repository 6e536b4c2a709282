// Numpy-style broadcasting for the native kernels: the output is walked row by
// row (its last dimension after merging neighbours that broadcast alike), and
// each operand moves along a row by 1 or 0 elements.
#ifndef BRAID_RUNTIME_KERNELS_BROADCAST_H
#define BRAID_RUNTIME_KERNELS_BROADCAST_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace braid::runtime::kernels {

class BroadcastWalk {
public:
  /// `out` is the broadcast shape of `a` and `b` (both aligned at their last
  /// dimension, missing leading dimensions counting as 1).
  BroadcastWalk(const std::vector<int64_t> &out, const std::vector<int64_t> &a,
                const std::vector<int64_t> &b);

  /// Calls f(offsetA, offsetB, offsetOut) for the first element of each row;
  /// the row holds rowLength() output elements. Allocates nothing.
  template <typename F> void forEachRow(F &&f) {
    int64_t offA = 0, offB = 0, offOut = 0;
    for (int64_t &i : index_)
      i = 0;
    for (int64_t r = 0; r < rows_; ++r) {
      f(offA, offB, offOut);
      offOut += rowLength_;
      for (size_t d = outer_.size(); d-- > 0;) {
        if (++index_[d] < outer_[d]) {
          offA += strideA_[d];
          offB += strideB_[d];
          break;
        }
        index_[d] = 0;
        offA -= strideA_[d] * (outer_[d] - 1);
        offB -= strideB_[d] * (outer_[d] - 1);
      }
    }
  }

  int64_t rowLength() const { return rowLength_; }
  /// 1 when the operand runs along the row, 0 when it is broadcast along it.
  int64_t rowStrideA() const { return rowStrideA_; }
  int64_t rowStrideB() const { return rowStrideB_; }

private:
  int64_t rowLength_ = 1, rowStrideA_ = 1, rowStrideB_ = 1, rows_ = 1;
  std::vector<int64_t> outer_, strideA_, strideB_, index_;
};

} // namespace braid::runtime::kernels

#endif // BRAID_RUNTIME_KERNELS_BROADCAST_H
