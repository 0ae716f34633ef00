/* Null display: remembers the last screen (strings truncated to its buffers) and counts screens. */
#include "omnipower/hal_fakes.h"

/* Copy NUL-terminated @p src (NULL taken as "") into @p dst of @p cap bytes, truncating. */
static void copy_trunc(char *dst, size_t cap, const char *src)
{
    size_t k = 0;
    if (src != NULL) {
        for (; k + 1u < cap && src[k] != '\0'; k++) {
            dst[k] = src[k];
        }
    }
    dst[k] = '\0';
}

void omp_null_display_show(void *user, const struct omp_display_frame *frame)
{
    struct omp_null_display *d = (struct omp_null_display *)user;
    if (d == NULL || frame == NULL) {
        return;
    }
    copy_trunc(d->id, sizeof d->id, frame->id);
    copy_trunc(d->value, sizeof d->value, frame->value);
    copy_trunc(d->unit, sizeof d->unit, frame->unit);
    copy_trunc(d->text, sizeof d->text, frame->text);
    d->symbols = frame->symbols;
    d->shown++;
}
