#define _GNU_SOURCE
#include <seccomp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>

/// SCMP_ACT_ERRNO is a function-like macro Swift cannot import.
static inline uint32_t dojo_scmp_act_errno(uint16_t error) {
  return SCMP_ACT_ERRNO(error);
}

/// A comparison of one syscall argument (SCMP_CMP64 is a compound-literal macro).
static inline struct scmp_arg_cmp dojo_scmp_arg(
    unsigned int arg, enum scmp_compare op, scmp_datum_t datum_a, scmp_datum_t datum_b) {
  struct scmp_arg_cmp cmp = {.arg = arg, .op = op, .datum_a = datum_a, .datum_b = datum_b};
  return cmp;
}

/// An anonymous in-memory file that may be sealed, closed on exec: the exported filter lives
/// here so that no path on disk holds it and no child inherits it by accident.
static inline int dojo_memfd_create_sealable(const char *name) {
  return memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

/// Seals a memfd against any further change of its size or content (and of its seals).
static inline int dojo_seal_read_only(int fd) {
  return fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
}
