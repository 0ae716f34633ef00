/* The terminal display: one screen as one line of text. */
#include "omnipower/port_posix.h"

#include <string.h>

omp_err omp_posix_display_format(const struct omp_display_frame *f, char *out, size_t cap)
{
    if (f == NULL || out == NULL || cap == 0u) {
        return OMP_ERR_ARG;
    }
    char sym[64] = "";
    size_t n = 0;
    const struct {
        uint32_t bit;
        const char *text;
    } k_sym[] = {
        { OMP_SYM_SUPPLY, "L1" },        { OMP_SYM_LOAD, "LOAD" },
        { OMP_SYM_IMPORT, "+A" },        { OMP_SYM_EXPORT, "-A" },
        { OMP_SYM_Q_INDUCTIVE, "+R" },   { OMP_SYM_Q_CAPACITIVE, "-R" },
        { OMP_SYM_ALARM, "ALARM" },      { OMP_SYM_COMM, "COMM" },
        { OMP_SYM_RELAY_OPEN, "OPEN" },
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_sym); i++) {
        if ((f->symbols & k_sym[i].bit) != 0u) {
            int w = snprintf(sym + n, sizeof sym - n, "%s%s", n > 0u ? " " : "", k_sym[i].text);
            n += (size_t)w; /* sym is long enough for every symbol at once */
        }
        if (k_sym[i].bit == OMP_SYM_Q_CAPACITIVE) {
            uint32_t tariff = (f->symbols & OMP_SYM_TARIFF_MASK) >> OMP_SYM_TARIFF_SHIFT;
            if (tariff != 0u) {
                int w = snprintf(sym + n, sizeof sym - n, "%sT%u", n > 0u ? " " : "",
                                 (unsigned)tariff);
                n += (size_t)w;
            }
        }
    }
    const char *id = f->id != NULL ? f->id : "";
    const char *value = f->value != NULL ? f->value : "";
    const char *unit = f->unit != NULL ? f->unit : "";
    const char *text = f->text != NULL ? f->text : ""; /* the text field, e.g. "A+" */
    int w = snprintf(out, cap, "[%s]  %s%s%s%s%s%s%s", id, text, text[0] != '\0' ? "  " : "",
                     value, unit[0] != '\0' ? " " : "", unit, sym[0] != '\0' ? "  " : "", sym);
    if (w < 0 || (size_t)w >= cap) {
        out[0] = '\0';
        return OMP_ERR_NOSPACE;
    }
    return OMP_OK;
}
