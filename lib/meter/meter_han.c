/*
 * The meter's side of the HAN push (push.h): the push setup started from cfg.han_push, and each
 * poll sends the due push frames on the CCC port (OMP_PORT_HAN) through the HAL's port_write, as
 * the optical port's replies go out. With push on, bytes received on the CCC port are not
 * answered (HAN p.17): omp_meter_on_rx binds no protocol to it.
 */
#include "omnipower/meter.h"
#include "omnipower/push.h"

#include "meter_priv.h"

omp_err omp_meter_priv_han_start(struct omp_meter *m)
{
    return omp_push_init(&m->han, &m->cfg.han_push);
}

omp_err omp_meter_priv_han_poll(struct omp_meter *m)
{
    if (m->cfg.han_push.lists == 0u) {
        return OMP_OK;
    }
    struct omp_cosem_src src;
    omp_meter_priv_src(m, &src);
    return omp_push_poll(&m->han, &src, &m->hal);
}
