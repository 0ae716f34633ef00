/* Private helpers shared by the files of the POSIX port. */
#ifndef OMNIPOWER_POSIX_PRIV_H
#define OMNIPOWER_POSIX_PRIV_H

#include "omnipower/port_posix.h"

/* byte-port ops and life cycle (posix_byteport.c) */
omp_err omp_posix_port_write_op(void *user, enum omp_port port, const uint8_t *data, size_t len,
                                size_t *written);
omp_err omp_posix_port_set_baud_op(void *user, enum omp_port port, uint32_t baud,
                                   enum omp_port_framing framing);
void omp_posix_byteport_init(struct omp_posix_byteport *bp);
void omp_posix_byteport_close(struct omp_posix_byteport *bp);

#endif /* OMNIPOWER_POSIX_PRIV_H */
