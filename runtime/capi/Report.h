// Report: how the C API's source files other than braid.cpp set the
// thread-local error that braid_status_message() returns.
#ifndef BRAID_RUNTIME_CAPI_REPORT_H
#define BRAID_RUNTIME_CAPI_REPORT_H

#include "braid/braid.h"
#include "runtime/support/Status.h"

namespace braid::runtime::capi {

/// BRAID_OK for an ok `status`; otherwise records its message as the
/// calling thread's last error and returns its code.
braid_status_code_t reportStatus(const Status &status);

} // namespace braid::runtime::capi

#endif // BRAID_RUNTIME_CAPI_REPORT_H
