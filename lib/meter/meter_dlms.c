/*
 * The meter's side of the DLMS server (dlms_server.h): one server per port, started with the
 * factory configuration, and the environment each call gets (the dictionary's view, the event
 * queue). The frames (HDLC, TCP wrapper) are the port's or the caller's; the meter takes APDUs.
 * The end of a port's link (omp_meter_link_lost) ends its association and, on the optical port,
 * the IEC 62056-21 session too.
 *
 * The LLS secret (Association LN attribute 7, written by DLMS SET) is kept in the settings store,
 * key OMP_METER_KEY_LLS_SECRET (the record is lib/cosem/dlms_keep.c's). An NVM without the record
 * (written before it existed, or never changed) starts with the factory secret; a record of
 * another version or shape is reported (OMP_EV_NVM_DAMAGED, flags 4: settings) and left as it
 * is until a new secret is written, the factory secret in force meanwhile.
 */
#include <string.h>

#include "omnipower/dlms_server.h"
#include "omnipower/meter.h"

#include "meter_priv.h"

/* Server invocation counters reserved by one NVM write: the mark is written ahead of use, so a
 * reset (or a power cut) skips at most this many and an IC is never used twice (docs/storage.md). */
#define DLMS_IC_BLOCK 1024u
/* The most a request uses: the glo-initiateResponse, or f(CtoS) and the sealed pass 4 answer. */
#define DLMS_IC_PER_CALL 2u

/* The management client's newest accepted IC is kept in NVM at most this many requests behind
 * (exactly after its AARQ and its release, at a link's loss and at a power-fail warning): after a
 * restart only ICs above the kept one are accepted, so a recorded session cannot be replayed then
 * (docs/storage.md). */
#define DLMS_CLIENT_IC_STEP 64u

/* The security state: the port's crypto ops, the system title "KAME" + meter number (technical
 * facts 12.4), the invocation counters starting at the mark kept in NVM, and the client's newest
 * IC kept there. An NVM the meter does not write (damage) or a mark it cannot read after damage
 * leaves no counters: the management association is then refused (no IC could be proved unused). */
static void sec_start(struct omp_meter *m)
{
    struct omp_dlms_sec *s = &m->dlms_sec;
    memset(s, 0, sizeof *s);
    s->gcm = m->hal.ops->aead_gcm;
    s->entropy = m->hal.ops->entropy;
    s->key_unwrap = m->hal.ops->key_unwrap;
    s->user = m->hal.user;
    const uint32_t no = m->cfg.meter_number;
    const uint8_t title[8] = {'K', 'A', 'M', 'E', (uint8_t)(no >> 24), (uint8_t)(no >> 16),
                              (uint8_t)(no >> 8), (uint8_t)no};
    memcpy(s->system_title, title, sizeof title);
    uint32_t mark = 0u, client = 0u;
    bool has_client = false;
    m->dlms_client_ic_kept = false;
    omp_err err = omp_dlms_keep_ic_read(&m->settings, OMP_METER_KEY_DLMS_IC, &mark, &client,
                                        &has_client);
    if (err == OMP_ERR_NVM_CORRUPT) {
        omp_clock_event(&m->clock, OMP_EV_NVM_DAMAGED, 1u, 4u); /* foreign: reported, kept */
    }
    if ((err != OMP_OK && err != OMP_ERR_NOT_FOUND) || m->nvm_damaged != 0u) {
        s->ic = UINT32_MAX; /* nothing to seal with: no counter could be proved unused */
        return;
    }
    s->ic = err == OMP_ERR_NOT_FOUND ? 0u : mark;
    s->ic_limit = s->ic; /* the first request reserves a block */
    if (err == OMP_OK && has_client) {
        s->client_ic.seen = true;
        s->client_ic.last_ic = client;
        m->dlms_client_ic = client;
        m->dlms_client_ic_kept = true;
    }
}

/* Keep the server's counters ahead of use: write a new mark before the block is used up. */
static void sec_reserve(struct omp_meter *m)
{
    struct omp_dlms_sec *s = &m->dlms_sec;
    if (s->gcm == NULL || s->ic == UINT32_MAX || s->ic_limit - s->ic >= DLMS_IC_PER_CALL ||
        m->nvm_damaged != 0u) {
        return;
    }
    uint32_t mark = s->ic > UINT32_MAX - DLMS_IC_BLOCK ? UINT32_MAX : s->ic + DLMS_IC_BLOCK;
    if (omp_dlms_keep_ic_write(&m->settings, OMP_METER_KEY_DLMS_IC, mark, m->dlms_client_ic) ==
        OMP_OK) {
        s->ic_limit = mark;
    }
}

void omp_meter_priv_dlms_keep_client_ic(struct omp_meter *m, bool exact)
{
    const struct omp_dlms_sec *s = &m->dlms_sec;
    if (!s->client_ic.seen || s->ic == UINT32_MAX || m->nvm_damaged != 0u) {
        return;
    }
    uint32_t ic = s->client_ic.last_ic;
    if (m->dlms_client_ic_kept &&
        (ic == m->dlms_client_ic || (!exact && ic - m->dlms_client_ic < DLMS_CLIENT_IC_STEP))) {
        return;
    }
    if (omp_dlms_keep_ic_write(&m->settings, OMP_METER_KEY_DLMS_IC, s->ic_limit, ic) == OMP_OK) {
        m->dlms_client_ic = ic;
        m->dlms_client_ic_kept = true;
    }
}

/* The secret the settings store keeps into @p c (none: @p c keeps the factory one). */
static omp_err lls_restore(struct omp_meter *m, struct omp_dlms_server_cfg *c)
{
    omp_err err = omp_dlms_keep_lls_read(&m->settings, OMP_METER_KEY_LLS_SECRET, c->lls_secret,
                                         &c->lls_secret_len);
    if (err == OMP_ERR_NVM_CORRUPT) {
        omp_clock_event(&m->clock, OMP_EV_NVM_DAMAGED, 1u, 4u); /* foreign: reported, kept */
    }
    return err == OMP_ERR_NOT_FOUND || err == OMP_ERR_NVM_CORRUPT ? OMP_OK : err;
}

omp_err omp_meter_priv_lls_secret(struct omp_meter *m, const uint8_t *secret, size_t len)
{
    if (m == NULL || secret == NULL || len == 0u || len > OMP_DLMS_LLS_SECRET_MAX) {
        return OMP_ERR_ARG;
    }
    omp_err err = omp_dlms_keep_lls_write(&m->settings, OMP_METER_KEY_LLS_SECRET, secret, len);
    for (unsigned k = 0; k < (unsigned)OMP_PORT_COUNT && err == OMP_OK; k++) {
        err = omp_dlms_server_set_secret(&m->dlms[k], secret, len);
    }
    if (err == OMP_OK) {
        omp_clock_event(&m->clock, OMP_EV_CONFIG_CHANGED, 0x280000u, 7u); /* 40.0.0, attribute 7 */
    }
    return err;
}

/* The utility's data the settings store keeps (none: zeros); a foreign record is reported and
 * left in place, the factory values serve meanwhile. */
static omp_err custom_restore(struct omp_meter *m)
{
    omp_err err = omp_dlms_keep_custom_read(&m->settings, OMP_METER_KEY_CUSTOM, &m->custom);
    if (err == OMP_ERR_NVM_CORRUPT) {
        omp_clock_event(&m->clock, OMP_EV_NVM_DAMAGED, 1u, 4u); /* foreign: reported, kept */
    }
    return err == OMP_ERR_NOT_FOUND || err == OMP_ERR_NVM_CORRUPT ? OMP_OK : err;
}

omp_err omp_meter_priv_custom_set(struct omp_meter *m, const struct omp_cosem_custom *c)
{
    omp_err err = m->nvm_damaged != 0u
                      ? OMP_ERR_NVM_CORRUPT
                      : omp_dlms_keep_custom_write(&m->settings, OMP_METER_KEY_CUSTOM, c);
    if (err == OMP_OK) {
        omp_clock_event(&m->clock, OMP_EV_CONFIG_CHANGED,
                        omp_dlms_keep_custom_changed(&m->custom, c), 2u);
        m->custom = *c;
    }
    return err;
}

omp_err omp_meter_priv_dlms_start(struct omp_meter *m)
{
    sec_start(m);
    omp_err cerr = custom_restore(m);
    if (cerr != OMP_OK) {
        return cerr;
    }
    struct omp_dlms_server_cfg c;
    omp_dlms_server_cfg_default(&c);
    omp_err err = lls_restore(m, &c);
    for (unsigned k = 0; k < (unsigned)OMP_PORT_COUNT && err == OMP_OK; k++) {
        c.assocs = omp_meter_priv_port_assocs((enum omp_port)k); /* its own LLS client only */
        err = omp_dlms_server_init(&m->dlms[k], &c);
    }
    return err;
}

omp_err omp_meter_dlms(struct omp_meter *m, enum omp_port port, uint16_t client_sap,
                       uint16_t server_sap, const uint8_t *req, size_t len, struct omp_wr *out)
{
    if (m == NULL || (unsigned)port >= (unsigned)OMP_PORT_COUNT) {
        return OMP_ERR_ARG;
    }
    return omp_meter_dlms_srv(m, &m->dlms[port], client_sap, server_sap, req, len, out);
}

/* A caller's own server (a second link on a port) takes the meter's current LLS secret, which a
 * write over DLMS or omp_meter_dlms_lls_secret() may have changed since its start. */
static omp_err lls_follow(struct omp_meter *m, struct omp_dlms_server *srv)
{
    const struct omp_dlms_server_cfg *c = &m->dlms[OMP_PORT_MODULE].cfg;
    if (srv->cfg.lls_secret_len == c->lls_secret_len &&
        memcmp(srv->cfg.lls_secret, c->lls_secret, c->lls_secret_len) == 0) {
        return OMP_OK;
    }
    return omp_dlms_server_set_secret(srv, c->lls_secret, c->lls_secret_len);
}

omp_err omp_meter_dlms_srv(struct omp_meter *m, struct omp_dlms_server *srv, uint16_t client_sap,
                           uint16_t server_sap, const uint8_t *req, size_t len, struct omp_wr *out)
{
    if (m == NULL || srv == NULL) {
        return OMP_ERR_ARG;
    }
    omp_err err = lls_follow(m, srv);
    if (err != OMP_OK) {
        return err;
    }
    struct omp_cosem_src src;
    omp_meter_priv_src(m, &src);
    struct omp_dlms_server_env e = {&src, &m->events, omp_meter_load_profile(m),
                                    omp_meter_analysis_log(m), omp_meter_billing_log(m), {NULL},
                                    &m->dlms_sec};
    sec_reserve(m);
    for (unsigned k = 0; k < (unsigned)OMP_EVLOG_COUNT; k++) {
        e.evlog[k] = omp_meter_event_log(m, (enum omp_evlog_kind)k);
    }
    err = omp_dlms_server_apdu(srv, &e, client_sap, server_sap, req, len, out);
    /* exactly after a management client's request that leaves no association set up (its AARQ,
     * its release, a refusal: rare), else every DLMS_CLIENT_IC_STEP */
    omp_meter_priv_dlms_keep_client_ic(m, client_sap == OMP_DLMS_CLIENT_HLS &&
                                              omp_dlms_server_assoc(srv) != OMP_ASSOC_HLS_MGMT);
    return err;
}

omp_err omp_meter_dlms_lls_secret(struct omp_meter *m, const uint8_t *secret, size_t len)
{
    if (m == NULL || secret == NULL || len == 0u || len > OMP_DLMS_LLS_SECRET_MAX) {
        return OMP_ERR_ARG;
    }
    uint8_t kept[OMP_DLMS_LLS_SECRET_MAX], kept_len = 0u;
    omp_err err = omp_dlms_keep_lls_read(&m->settings, OMP_METER_KEY_LLS_SECRET, kept, &kept_len);
    omp_wipe(kept, sizeof kept);
    if (err != OMP_ERR_NOT_FOUND) {
        return err == OMP_ERR_NVM_CORRUPT ? OMP_OK : err; /* a secret written over DLMS (or a
                                                              record reported as foreign) stays */
    }
    err = OMP_OK;
    for (unsigned k = 0; k < (unsigned)OMP_PORT_COUNT && err == OMP_OK; k++) {
        struct omp_dlms_server_cfg c = m->dlms[k].cfg;
        memset(c.lls_secret, 0, sizeof c.lls_secret);
        memcpy(c.lls_secret, secret, len);
        c.lls_secret_len = (uint8_t)len;
        err = omp_dlms_server_init(&m->dlms[k], &c);
        omp_wipe(&c, sizeof c);
    }
    return err;
}

void omp_meter_dlms_close(struct omp_meter *m, enum omp_port port)
{
    if (m != NULL && (unsigned)port < (unsigned)OMP_PORT_COUNT) {
        omp_dlms_server_close(&m->dlms[port]);
        omp_meter_priv_dlms_keep_client_ic(m, true);
    }
}

void omp_meter_link_lost(struct omp_meter *m, enum omp_port port)
{
    if (m == NULL || (unsigned)port >= (unsigned)OMP_PORT_COUNT) {
        return;
    }
    omp_meter_priv_hdlc_lost(m, port); /* the link, its association; the optical port to IEC */
    if (port == OMP_PORT_OPTICAL) {
        omp_meter_priv_optical_lost(m);
    }
    omp_dlms_server_close(&m->dlms[port]);
    omp_meter_priv_dlms_keep_client_ic(m, true);
}
