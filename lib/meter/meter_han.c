/*
 * The meter's side of the HAN push (push.h): the push setup started from cfg.han_push, and each
 * poll sends the due push frames on the CCC port (OMP_PORT_HAN) through the HAL's port_write, as
 * the optical port's replies go out. With push on, bytes received on the CCC port are not
 * answered (HAN p.17): omp_meter_on_rx binds no protocol to it.
 *
 * Ciphered pushes: the invocation counters are reserved in blocks in the settings store (record
 * HAN_IC_KEY: the first counter not reserved, u32 big-endian) before one is used, and a start
 * continues above the stored mark, so no counter repeats across restarts even when the RTC went
 * back (docs/han.md "Invocation counter").
 */
#include "omnipower/meter.h"
#include "omnipower/push.h"
#include "omnipower/storage.h"

#include "meter_priv.h"

#define HAN_IC_KEY   0x4849u /* "HI": the settings store's record of the counters reserved */
#define HAN_IC_BLOCK 65536u  /* counters reserved per write: one write in about 18 h */

omp_err omp_meter_priv_han_start(struct omp_meter *m)
{
    omp_err err = omp_push_init(&m->han, &m->cfg.han_push);
    if (err != OMP_OK || !m->cfg.han_push.encrypt) {
        return err;
    }
    uint8_t b[4] = {0};
    size_t len = 0;
    err = omp_store_read(&m->settings, HAN_IC_KEY, b, sizeof b, &len);
    if (err == OMP_ERR_NOT_FOUND) {
        return OMP_OK; /* never pushed ciphered: counters from the clock */
    }
    if (err == OMP_ERR_NOSPACE || err == OMP_ERR_NVM_CORRUPT || (err == OMP_OK && len != sizeof b)) {
        /* a mark this build cannot read: reported, kept, and no ciphered push (an IC could be
         * used twice); the record is never overwritten here */
        omp_clock_event(&m->clock, OMP_EV_NVM_DAMAGED, 1u, 4u);
        m->han_ic_foreign = true;
        return OMP_OK;
    }
    if (err == OMP_OK) {
        m->han.ic_mark = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (m->han.ic_mark != 0u) {
            omp_push_ic_floor(&m->han, m->han.ic_mark - 1u); /* the last run's are all below */
        }
    }
    return err;
}

/* Reserve counters in NVM before the next one goes beyond the stored mark. */
static omp_err reserve_ic(struct omp_meter *m, omp_time_s utc)
{
    uint32_t next = omp_push_ic_peek(&m->han, utc);
    if (next < m->han.ic_mark && m->han.ic_mark - next > (uint32_t)OMP_PUSH_LIST_COUNT) {
        return OMP_OK; /* room for every list of one poll */
    }
    if (m->nvm_damaged != 0u || m->han_ic_foreign) {
        return OMP_ERR_NVM_CORRUPT; /* the meter writes nothing: no ciphered push either */
    }
    uint32_t mark = next > UINT32_MAX - HAN_IC_BLOCK ? UINT32_MAX : next + HAN_IC_BLOCK;
    const uint8_t b[4] = {(uint8_t)(mark >> 24), (uint8_t)(mark >> 16), (uint8_t)(mark >> 8),
                          (uint8_t)mark};
    omp_err err = omp_store_refresh(&m->settings);
    if (err == OMP_OK) {
        err = omp_store_write(&m->settings, HAN_IC_KEY, b, sizeof b);
    }
    if (err == OMP_OK) {
        m->han.ic_mark = mark;
    }
    return err;
}

omp_err omp_meter_priv_han_poll(struct omp_meter *m)
{
    if (m->cfg.han_push.lists == 0u) {
        return OMP_OK;
    }
    struct omp_cosem_src src;
    omp_meter_priv_src(m, &src);
    if (m->cfg.han_push.encrypt) {
        omp_err err = reserve_ic(m, src.clock_utc_s);
        if (err != OMP_OK) {
            return err; /* no push with a counter that a restart could use again */
        }
    }
    return omp_push_poll(&m->han, &src, &m->hal);
}
