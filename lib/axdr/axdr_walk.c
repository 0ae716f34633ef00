/* A-XDR walker and skip: nested data in document order without recursion. */
#include "omnipower/config.h"

#if OMP_CONFIG_DLMS /* the whole file: module switch, config.h */

#include <string.h>

#include "omnipower/axdr.h"

static bool is_container(uint8_t tag)
{
    return tag == OMP_AXDR_TAG_ARRAY || tag == OMP_AXDR_TAG_STRUCTURE;
}

omp_err omp_axdr_skip(struct omp_rd *rd)
{
    if (rd == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_rd r = *rd;
    /* Elements still to skip. Visited in document order like the walker, so both fail at the
     * same element with the same code; saturating: a huge count just runs into the input's end. */
    size_t pending = 1u;
    while (pending > 0u) {
        struct omp_axdr_elem e;
        omp_err err = omp_axdr_next(&r, &e);
        if (err != OMP_OK) {
            return err;
        }
        pending--;
        if (is_container(e.tag)) {
            pending = (e.count > SIZE_MAX - pending) ? SIZE_MAX : pending + e.count;
        }
    }
    *rd = r;
    return OMP_OK;
}

void omp_axdr_walk_init(struct omp_axdr_walker *wk)
{
    if (wk != NULL) {
        memset(wk, 0, sizeof *wk);
    }
}

omp_err omp_axdr_walk(struct omp_axdr_walker *wk, struct omp_rd *rd, struct omp_axdr_event *ev)
{
    if (wk == NULL || rd == NULL || ev == NULL || wk->open > OMP_CONFIG_AXDR_DEPTH) {
        return OMP_ERR_ARG;
    }
    struct omp_axdr_event out;
    memset(&out, 0, sizeof out);
    out.pos = omp_rd_pos(rd);
    if (wk->started && wk->open == 0u) {
        out.kind = OMP_AXDR_EV_DONE;
        *ev = out;
        return OMP_OK;
    }
    const uint8_t depth = wk->open;
    if (depth > 0u) {
        const size_t top = depth - 1u;
        if (wk->stack[top].next >= wk->stack[top].count) {
            out.kind = OMP_AXDR_EV_END;
            out.elem.tag = wk->stack[top].tag;
            out.elem.count = wk->stack[top].count;
            out.depth = (uint8_t)top;
            wk->open--;
            *ev = out;
            return OMP_OK;
        }
    }
    struct omp_rd r = *rd;
    omp_err err = omp_axdr_next(&r, &out.elem);
    if (err != OMP_OK) {
        return err;
    }
    const bool container = is_container(out.elem.tag);
    if (container && depth >= OMP_CONFIG_AXDR_DEPTH) {
        return OMP_ERR_DEPTH;
    }
    /* success: publish */
    out.kind = OMP_AXDR_EV_ELEM;
    out.depth = depth;
    if (depth > 0u) {
        out.index = wk->stack[depth - 1u].next++;
    }
    wk->started = true;
    if (container) {
        wk->stack[depth].tag = out.elem.tag;
        wk->stack[depth].count = out.elem.count;
        wk->stack[depth].next = 0u;
        wk->open++;
    }
    *rd = r;
    *ev = out;
    return OMP_OK;
}

#else
typedef int omp_axdr_walk_unused; /* ISO C forbids an empty translation unit */
#endif /* OMP_CONFIG_DLMS */
