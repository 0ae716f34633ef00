/*
 * The meter's side of the optical port (optical.h): its configuration from the meter's cfg
 * fields, and the environment each call gets (the dictionary's view, the display format, the
 * billing log, the load profile and the analysis logger, the event queue, the HAL's port ops, the
 * time).
 */
#include <string.h>

#include "omnipower/meter.h"
#include "omnipower/optical.h"

#include "meter_priv.h"

static void cfg_to_port(const struct omp_meter_cfg *c, struct omp_optical_cfg *o)
{
    memset(o, 0, sizeof *o);
    memcpy(o->ident, c->optical_ident, sizeof o->ident);
    memcpy(o->password, c->optical_password, sizeof o->password);
    o->programming = c->optical_programming;
    o->meter_number = c->meter_number;
    o->settings = c->optical;
    o->ud2_len = c->optical_ud2_len;
    memcpy(o->ud2, c->optical_ud2, sizeof o->ud2);
}

void omp_meter_priv_optical_default(struct omp_meter_cfg *c)
{
    struct omp_optical_cfg o;
    omp_optical_cfg_default(&o);
    memcpy(c->optical_ident, o.ident, sizeof c->optical_ident);
    memcpy(c->optical_password, o.password, sizeof c->optical_password);
    c->optical_programming = o.programming;
    c->optical = o.settings;
    c->optical_ud2_len = o.ud2_len;
    memcpy(c->optical_ud2, o.ud2, sizeof c->optical_ud2);
}

bool omp_meter_priv_optical_valid(const struct omp_meter_cfg *c)
{
    struct omp_optical_cfg o;
    cfg_to_port(c, &o);
    return omp_optical_cfg_valid(&o);
}

/* The environment of one call; @p src is filled here and must live as long as @p e is used. */
static void env(struct omp_meter *m, struct omp_cosem_src *src, struct omp_optical_env *e)
{
    omp_meter_priv_src(m, src);
    e->src = src;
    e->z1 = omp_meter_priv_z1(m);
    e->persist = &m->persist;
    e->lp = omp_meter_load_profile(m);
    e->an = omp_meter_analysis_log(m);
    e->events = &m->events;
    e->hal = &m->hal;
    e->mono_ms = m->clock.now.mono_ms;
}

omp_err omp_meter_priv_optical_start(struct omp_meter *m)
{
    struct omp_optical_cfg o;
    cfg_to_port(&m->cfg, &o);
    const struct omp_optical_settings *kept = omp_dlms_params_optical(&m->params);
    if (kept != NULL) {
        o.settings = *kept; /* written over a port (meter_params.c) */
    }
    struct omp_cosem_src src;
    struct omp_optical_env e;
    env(m, &src, &e);
    return omp_optical_start(&m->optical_port, &o, &e);
}

omp_err omp_meter_priv_optical_rx(struct omp_meter *m, const uint8_t *data, size_t len)
{
    struct omp_cosem_src src;
    struct omp_optical_env e;
    env(m, &src, &e);
    return omp_optical_rx(&m->optical_port, &e, data, len);
}

void omp_meter_priv_optical_poll(struct omp_meter *m)
{
    struct omp_cosem_src src;
    struct omp_optical_env e;
    env(m, &src, &e);
    omp_optical_poll(&m->optical_port, &e);
}

void omp_meter_priv_optical_lost(struct omp_meter *m)
{
    struct omp_cosem_src src;
    struct omp_optical_env e;
    env(m, &src, &e);
    omp_optical_link_lost(&m->optical_port, &e);
}

bool omp_meter_priv_optical_dlms(struct omp_meter *m, bool begin)
{
    struct omp_cosem_src src;
    struct omp_optical_env e;
    env(m, &src, &e);
    if (begin) {
        return omp_optical_dlms_begin(&m->optical_port, &e);
    }
    omp_optical_dlms_end(&m->optical_port, &e);
    return false;
}
