/*
 * IEC 62056-21: private helpers shared by the codec and the server (not part of the API).
 */
#ifndef OMNIPOWER_IEC62056_21_PRIV_H
#define OMNIPOWER_IEC62056_21_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "omnipower/iec62056_21.h"

/*
 * omp_iec21_rx_feed() with the meaning of ACK chosen by the caller. With @p ack_option false
 * this is omp_iec21_rx_feed(): an ACK that ends the received chunk is a single ACK, an ACK
 * followed by a digit in the same chunk starts an option select. With @p ack_option true (a
 * meter waiting for the option select after its identification) an ACK always starts an option
 * select `ACK V Z Y CR LF`, so a reader sending it one character at a time is understood.
 */
omp_err omp_iec21_rx_feed_ex(struct omp_iec21_rx *rx, uint64_t now_ms, const uint8_t *data,
                             size_t len, size_t *used, struct omp_iec21_msg *msg, bool ack_option);

#endif /* OMNIPOWER_IEC62056_21_PRIV_H */
