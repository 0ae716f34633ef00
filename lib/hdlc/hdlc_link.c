/*
 * Server side of the HDLC link (IEC 62056-46 6.4.4, Green Book 8.4.4), window 1: SNRM -> UA with
 * negotiated parameters, I-frame sequence numbers, RR, DISC -> UA, DM when disconnected.
 * Not done here: retransmission (the client repeats; we answer the repeat with RR), FRMR on bad
 * frames, timers (inactivity and inter-octet timeouts belong to the caller, which has the clock).
 */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS /* the whole file: module switch, config.h */

#include <string.h>

#include "omnipower/core.h"
#include "omnipower/hdlc.h"
#include "hdlc_priv.h"

static OMP_NOINLINE bool addr_eq(const struct omp_hdlc_addr *a, const struct omp_hdlc_addr *b)
{
    return a->size == b->size && a->upper == b->upper && a->lower == b->lower;
}

omp_err omp_hdlc_link_init(struct omp_hdlc_link *l, const struct omp_hdlc_addr *server,
                           const struct omp_hdlc_params *limits)
{
    if (l == NULL || server == NULL || !omp_hdlc_priv_addr_valid(server)) {
        return OMP_ERR_ARG;
    }
    const struct omp_hdlc_params lim = (limits != NULL) ? *limits : omp_hdlc_params_default();
    if (!omp_hdlc_priv_params_valid(&lim)) {
        return OMP_ERR_ARG;
    }
    memset(l, 0, sizeof *l);
    l->server = *server;
    l->limits = lim;
    l->params = omp_hdlc_params_default();
    l->state = OMP_HDLC_LINK_NDM;
    return OMP_OK;
}

/* A frame from us to @p to: @p type, P/F @p pf, N(R) @p nr, N(S) @p ns, the information @p info
 * (@p len bytes, @p seg: more segments follow). */
static omp_err put_frame(const struct omp_hdlc_link *l, const struct omp_hdlc_addr *to,
                         struct omp_wr *w, enum omp_hdlc_type type, bool pf, uint8_t nr,
                         uint8_t ns, const uint8_t *info, size_t len, bool seg, bool flags)
{
    struct omp_hdlc_frame f;
    memset(&f, 0, sizeof f);
    f.dst = *to;
    f.src = l->server;
    f.type = type;
    f.pf = pf;
    f.nr = nr;
    f.ns = ns;
    f.info = info;
    f.info_len = len;
    f.segmented = seg;
    return omp_hdlc_encode(w, &f, flags);
}

/* A frame from us to @p to without information, P/F set. */
static omp_err put_simple(const struct omp_hdlc_link *l, const struct omp_hdlc_addr *to,
                          struct omp_wr *w, enum omp_hdlc_type type, uint8_t nr, bool flags)
{
    return put_frame(l, to, w, type, true, nr, 0u, NULL, 0u, false, flags);
}

/* SNRM to us: negotiate the parameters into @p n (the link as it will be) and reply UA with
 * them. Writes nothing to @p reply on error. */
static omp_err on_snrm(const struct omp_hdlc_link *l, const struct omp_hdlc_frame *rx, bool flags,
                       struct omp_wr *reply, struct omp_hdlc_link *n)
{
    struct omp_hdlc_params prop;
    omp_err err = omp_hdlc_params_decode(rx->info, rx->info_len, &prop);
    if (err == OMP_OK) {
        err = omp_hdlc_negotiate(&prop, &l->limits, &n->params);
    }
    if (err != OMP_OK) {
        return err;
    }
    n->state = OMP_HDLC_LINK_NRM;
    n->client = rx->src;
    n->vs = 0;
    n->vr = 0;
    uint8_t p[32];
    struct omp_wr pw = omp_wr_init(p, sizeof p);
    err = omp_hdlc_params_encode(&pw, &n->params);
    if (err == OMP_OK) {
        err = put_frame(l, &rx->src, reply, OMP_HDLC_UA, rx->pf, 0u, 0u, p, omp_wr_len(&pw),
                        false, flags);
    }
    return err;
}

omp_err omp_hdlc_link_on_frame(struct omp_hdlc_link *l, const struct omp_hdlc_frame *rx, bool flags,
                               struct omp_wr *reply, enum omp_hdlc_link_event *ev,
                               const uint8_t **info, size_t *info_len)
{
    if (l == NULL || rx == NULL || reply == NULL || ev == NULL || info == NULL ||
        info_len == NULL) {
        return OMP_ERR_ARG;
    }
    enum omp_hdlc_link_event e = OMP_HDLC_EV_NONE;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    struct omp_hdlc_link n = *l; /* committed only when the reply fits */
    omp_err err = OMP_OK;
    const bool ours = addr_eq(&rx->dst, &l->server);
    const bool peer = l->state == OMP_HDLC_LINK_NRM && addr_eq(&rx->src, &l->client);

    if (!ours || (l->state == OMP_HDLC_LINK_NRM && !peer)) {
        /* not for us, or another client while connected (its SNRM too): no reply */
    } else if (rx->type == OMP_HDLC_SNRM) {
        err = on_snrm(l, rx, flags, reply, &n);
        e = OMP_HDLC_EV_CONNECTED;
    } else if (l->state == OMP_HDLC_LINK_NDM) {
        if (rx->pf) { /* DISC included: already disconnected */
            err = put_simple(l, &rx->src, reply, OMP_HDLC_DM, 0, flags);
        }
    } else if (rx->type == OMP_HDLC_DISC) {
        err = put_simple(l, &rx->src, reply, OMP_HDLC_UA, 0, flags);
        n.state = OMP_HDLC_LINK_NDM;
        n.params = omp_hdlc_params_default();
        e = OMP_HDLC_EV_DISCONNECTED;
    } else if (rx->type == OMP_HDLC_I) {
        if (rx->ns != l->vr) { /* repeated or out of sequence: tell the client what we expect */
            err = put_simple(l, &l->client, reply, OMP_HDLC_RR, l->vr, flags);
        } else {
            n.vr = (uint8_t)((l->vr + 1u) & 7u);
            out = rx->info;
            out_len = rx->info_len;
            if (rx->segmented) { /* ask for the next segment */
                err = put_simple(l, &l->client, reply, OMP_HDLC_RR, n.vr, flags);
            } else {
                e = OMP_HDLC_EV_DATA;
            }
        }
    } else if (rx->type == OMP_HDLC_UI) {
        out = rx->info;
        out_len = rx->info_len;
        e = OMP_HDLC_EV_DATA;
    } else if (rx->type == OMP_HDLC_RR) {
        e = OMP_HDLC_EV_RR;
    }
    if (err != OMP_OK) {
        return err; /* the reply writer is all-or-nothing, and l is unchanged */
    }
    *l = n;
    *ev = e;
    *info = out;
    *info_len = out_len;
    return OMP_OK;
}

omp_err omp_hdlc_link_put_i(struct omp_hdlc_link *l, struct omp_wr *w, const uint8_t *info,
                            size_t len, bool segmented, bool final, bool flags)
{
    if (l == NULL || w == NULL || info == NULL) {
        return OMP_ERR_ARG;
    }
    if (l->state != OMP_HDLC_LINK_NRM) {
        return OMP_ERR_STATE;
    }
    if (len == 0u || len > l->params.max_info_tx) {
        return OMP_ERR_RANGE;
    }
    const omp_err err =
        put_frame(l, &l->client, w, OMP_HDLC_I, final, l->vr, l->vs, info, len, segmented, flags);
    if (err == OMP_OK) {
        l->vs = (uint8_t)((l->vs + 1u) & 7u);
    }
    return err;
}

omp_err omp_hdlc_link_put_rr(struct omp_hdlc_link *l, struct omp_wr *w, bool flags)
{
    if (l == NULL || w == NULL) {
        return OMP_ERR_ARG;
    }
    if (l->state != OMP_HDLC_LINK_NRM) {
        return OMP_ERR_STATE;
    }
    return put_simple(l, &l->client, w, OMP_HDLC_RR, l->vr, flags);
}

#else
typedef int omp_hdlc_link_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */
