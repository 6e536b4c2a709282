// The text of an MPI error code, for messages. Included only by the MPI
// implementation's files.
#ifndef BRAID_RUNTIME_COMM_MPIERROR_H
#define BRAID_RUNTIME_COMM_MPIERROR_H

#include <mpi.h>

#include <string>

namespace braid::runtime {

inline std::string mpiError(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
    return "MPI error " + std::to_string(code);
  return std::string(text, static_cast<size_t>(length));
}

} // namespace braid::runtime

#endif // BRAID_RUNTIME_COMM_MPIERROR_H
