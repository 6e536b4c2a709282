// The session behind a C API handle, for the runtime's own code linked into
// libbraid_runtime.so (the trainer's tracing); not exported.
#ifndef BRAID_RUNTIME_CAPI_SESSIONACCESS_H
#define BRAID_RUNTIME_CAPI_SESSIONACCESS_H

#include "braid/braid.h"

namespace braid::runtime {
class Session;
namespace capi {

/// The Session of a live braid_session_t, owned by the handle.
Session &sessionOf(braid_session_t *session);

} // namespace capi
} // namespace braid::runtime

#endif // BRAID_RUNTIME_CAPI_SESSIONACCESS_H
