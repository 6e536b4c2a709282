// Building the row walk of a broadcast (Broadcast.h).
#include "runtime/kernels/Broadcast.h"

namespace braid::runtime::kernels {

BroadcastWalk::BroadcastWalk(const std::vector<int64_t> &out,
                             const std::vector<int64_t> &a,
                             const std::vector<int64_t> &b) {
  // Merged dimensions: extent, and whether a or b is broadcast along them.
  std::vector<int64_t> extent;
  std::vector<bool> broadA, broadB;
  const size_t rank = out.size();
  for (size_t d = 0; d < rank; ++d) {
    if (out[d] == 1)
      continue; // every operand has extent 1 here
    size_t fromEnd = rank - d;
    int64_t da = fromEnd <= a.size() ? a[a.size() - fromEnd] : 1;
    int64_t db = fromEnd <= b.size() ? b[b.size() - fromEnd] : 1;
    bool ba = da == 1, bb = db == 1;
    if (!extent.empty() && broadA.back() == ba && broadB.back() == bb) {
      extent.back() *= out[d];
      continue;
    }
    extent.push_back(out[d]);
    broadA.push_back(ba);
    broadB.push_back(bb);
  }
  if (extent.empty()) {
    extent.push_back(1);
    broadA.push_back(false);
    broadB.push_back(false);
  }
  // Each operand's strides over the merged dimensions, 0 where broadcast.
  auto strides = [&](const std::vector<bool> &broad) {
    std::vector<int64_t> s(extent.size(), 0);
    int64_t next = 1;
    for (size_t d = extent.size(); d-- > 0;) {
      if (broad[d])
        continue;
      s[d] = next;
      next *= extent[d];
    }
    return s;
  };
  std::vector<int64_t> sa = strides(broadA), sb = strides(broadB);
  rowLength_ = extent.back();
  rowStrideA_ = sa.back();
  rowStrideB_ = sb.back();
  outer_.assign(extent.begin(), extent.end() - 1);
  strideA_.assign(sa.begin(), sa.end() - 1);
  strideB_.assign(sb.begin(), sb.end() - 1);
  index_.assign(outer_.size(), 0);
  for (int64_t e : outer_)
    rows_ *= e;
}

} // namespace braid::runtime::kernels
