/* omnipower-sim: the type number and Z codes from --type-number, --config and --config-file.
 * See sim_config.h and docs/simulator.md "Meter configuration". */
#include "sim_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PROG "omnipower-sim"
#define EXIT_USAGE 2

/* One line on stderr: "omnipower-sim: message". @return EXIT_USAGE. */
static int cfg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int cfg_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)fputs(PROG ": ", stderr);
    (void)vfprintf(stderr, fmt, ap);
    (void)fputc('\n', stderr);
    va_end(ap);
    return EXIT_USAGE;
}

/* Where a type-number field is, counted from 1: "character 11", "characters 16-18". */
static void typeno_where(char *out, size_t cap, const struct omp_mcfg_error *w)
{
    if (strcmp(w->field, "prefix") == 0) {
        (void)snprintf(out, cap, "characters 1-2");
    } else if (strcmp(w->field, "X14-X16") == 0) {
        (void)snprintf(out, cap, "characters 16-18");
    } else {
        (void)snprintf(out, cap, "character %zu", w->pos + 1u);
    }
}

/* Why a type number was refused, e.g. "X9 (character 11): 3 is not one of 1, 2, 4". */
static void why_typeno(char *out, size_t cap, const struct omp_mcfg_error *w, omp_err err)
{
    char where[32];
    if (strcmp(w->field, "length") == 0) {
        (void)snprintf(out, cap, "%s characters, not 18", w->value);
        return;
    }
    typeno_where(where, sizeof where, w);
    if (err == OMP_ERR_UNSUPPORTED) {
        (void)snprintf(out, cap, "%s (%s): %s (three-phase) is not supported, only 6 (single-phase)",
                       w->field, where, w->value);
    } else {
        (void)snprintf(out, cap, "%s (%s): %s is not one of %s", w->field, where, w->value,
                       w->allowed);
    }
}

/* Why Z text or a Z code was refused, e.g. "Z4: 7 is not one of 1, 2, 3, 4". Positions are
 * counted from 1 in the text given. */
static void why_z(char *out, size_t cap, const struct omp_mcfg_error *w, omp_err err)
{
    const size_t at = w->pos + 1u;
    if (err == OMP_ERR_NOT_FOUND) {
        (void)snprintf(out, cap, "%s is not a code (%s)", w->value, w->allowed);
    } else if (strcmp(w->field, "code") == 0) {
        if (w->value[0] != '\0') {
            (void)snprintf(out, cap, "'%s' at character %zu is not a code (Z1..Z20)", w->value, at);
        } else {
            (void)snprintf(out, cap, "character %zu: a code is missing (Z1..Z20)", at);
        }
    } else if (strcmp(w->field, "syntax") == 0) {
        (void)snprintf(out, cap, "character %zu: expected %s", at, w->allowed);
    } else if (strcmp(w->allowed, "'=' and a value") == 0) {
        (void)snprintf(out, cap, "%s: expected '=' and a value at character %zu", w->field, at);
    } else if (w->value[0] == '\0') {
        (void)snprintf(out, cap, "%s: a value is missing at character %zu (one of %s)", w->field,
                       at, w->allowed);
    } else {
        (void)snprintf(out, cap, "%s: %s is not one of %s", w->field, w->value, w->allowed);
    }
}

/* The error of @p w with safe defaults for a missing field or allowed text. */
static struct omp_mcfg_error why_fixed(const struct omp_mcfg_error *w)
{
    struct omp_mcfg_error e = *w;
    e.field = e.field != NULL ? e.field : "?";
    e.allowed = e.allowed != NULL ? e.allowed : "?";
    e.value[sizeof e.value - 1u] = '\0';
    return e;
}

int sim_config_init(struct sim_config *c, const char *default_type)
{
    memset(c, 0, sizeof *c);
    struct omp_mcfg_typeno t;
    if (strlen(default_type) != OMP_MCFG_TYPENO_LEN ||
        omp_mcfg_typeno_decode(default_type, OMP_MCFG_TYPENO_LEN, &t, NULL) != OMP_OK ||
        omp_mcfg_defaults(&t, &c->file_z.z) != OMP_OK) {
        return cfg_error("the meter's default type number %s is not valid", default_type);
    }
    memcpy(c->default_type, default_type, sizeof c->default_type);
    c->cmd_z.z = c->file_z.z; /* any valid set: the layers only keep the codes in their mask */
    return -1;
}

/* Check type number @p s (@p len characters) and copy it to @p out. @p src names the source. */
static int take_type(const char *src, const char *s, size_t len, char out[OMP_MCFG_TYPENO_SIZE])
{
    struct omp_mcfg_typeno t;
    struct omp_mcfg_error w;
    memset(&w, 0, sizeof w);
    omp_err err = omp_mcfg_typeno_decode(s, len, &t, &w);
    if (err != OMP_OK) {
        const struct omp_mcfg_error e = why_fixed(&w);
        char text[160];
        why_typeno(text, sizeof text, &e, err);
        return cfg_error("%s: %s", src, text);
    }
    memcpy(out, s, OMP_MCFG_TYPENO_LEN);
    out[OMP_MCFG_TYPENO_LEN] = '\0';
    return -1;
}

int sim_config_type_number(struct sim_config *c, const char *arg)
{
    int st = take_type("--type-number", arg, strlen(arg), c->type);
    c->has_type = c->has_type || st < 0;
    return st;
}

/* Apply Z text @p s (@p len bytes) to layer @p l; @p line (0 for --config) is recorded. */
static omp_err layer_parse(struct sim_zlayer *l, const char *s, size_t len, uint32_t line,
                           struct omp_mcfg_error *why)
{
    struct omp_mcfg_zcodes tmp = l->z;
    uint32_t seen = 0;
    omp_err err = omp_mcfg_z_parse(s, len, &tmp, &seen, why);
    if (err != OMP_OK) {
        return err;
    }
    l->z = tmp;
    l->mask |= seen;
    for (unsigned i = 0; i < OMP_MCFG_Z_COUNT; i++) {
        if ((seen >> i) & 1u) {
            l->line[i] = line;
        }
    }
    return OMP_OK;
}

int sim_config_text(struct sim_config *c, const char *arg)
{
    struct omp_mcfg_error w;
    memset(&w, 0, sizeof w);
    omp_err err = layer_parse(&c->cmd_z, arg, strlen(arg), 0u, &w);
    if (err != OMP_OK) {
        const struct omp_mcfg_error e = why_fixed(&w);
        char text[160];
        why_z(text, sizeof text, &e, err);
        return cfg_error("--config: %s", text);
    }
    return -1;
}

int sim_config_file(struct sim_config *c, const char *path)
{
    if (path[0] == '\0') {
        return cfg_error("--config-file needs a file name");
    }
    if (c->file != NULL) {
        return cfg_error("--config-file given twice (%s, %s)", c->file, path);
    }
    c->file = path;
    return -1;
}

/* ---- the file ------------------------------------------------------------------------------- */

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Read one line (without its '\n') into @p buf (SIM_CONFIG_LINE_MAX + 1 bytes).
 * @return 1 a line, 0 end of file, -1 too long, -2 a NUL byte, -3 a read error. */
static int read_line(FILE *f, char *buf, size_t *len)
{
    size_t n = 0;
    int ch = getc(f);
    if (ch == EOF) {
        return ferror(f) ? -3 : 0;
    }
    while (ch != EOF && ch != '\n') {
        if (ch == '\0') {
            return -2;
        }
        if (n == SIM_CONFIG_LINE_MAX) {
            return -1;
        }
        buf[n++] = (char)ch;
        ch = getc(f);
    }
    if (ch == EOF && ferror(f)) {
        return -3;
    }
    buf[n] = '\0';
    *len = n;
    return 1;
}

/* `type-number = VALUE` at @p s (after the key, @p len bytes to the end of the line). */
static int file_type_line(struct sim_config *c, const char *s, size_t len, uint32_t line)
{
    size_t i = 0;
    while (i < len && is_blank(s[i])) {
        i++;
    }
    if (i == len || s[i] != '=') {
        return cfg_error("%s:%lu: type-number: expected '=' and the type number", c->file,
                         (unsigned long)line);
    }
    i++;
    while (i < len && is_blank(s[i])) {
        i++;
    }
    char src[SIM_CONFIG_LINE_MAX + 64u];
    (void)snprintf(src, sizeof src, "%s:%lu: type-number", c->file, (unsigned long)line);
    int st = take_type(src, s + i, len - i, c->file_type);
    if (st < 0) {
        c->file_has_type = true;
        c->file_type_line = line;
    }
    return st;
}

/* One line of the file, comment and trailing blanks removed: @p len > 0 characters. */
static int file_line(struct sim_config *c, char *s, size_t len, uint32_t line)
{
    static const char k_key[] = "type-number";
    const size_t key_len = sizeof k_key - 1u;
    if (len >= key_len && memcmp(s, k_key, key_len) == 0 &&
        (len == key_len || is_blank(s[key_len]) || s[key_len] == '=')) {
        return file_type_line(c, s + key_len, len - key_len, line);
    }
    if (s[0] != 'Z') {
        size_t n = 0;
        while (n < len && n < 20u && !is_blank(s[n]) && s[n] != '=') {
            n++;
        }
        return cfg_error("%s:%lu: '%.*s' is not a setting (type-number, or Z1..Z20)", c->file,
                         (unsigned long)line, (int)n, s);
    }
    struct omp_mcfg_error w;
    memset(&w, 0, sizeof w);
    omp_err err = layer_parse(&c->file_z, s, len, line, &w);
    if (err != OMP_OK) {
        const struct omp_mcfg_error e = why_fixed(&w);
        char text[160];
        why_z(text, sizeof text, &e, err);
        return cfg_error("%s:%lu: %s", c->file, (unsigned long)line, text);
    }
    return -1;
}

/* Strip the comment ('#' to the end) and blanks around the text; @return the text's start. */
static char *line_text(char *buf, size_t *len)
{
    char *hash = memchr(buf, '#', *len);
    size_t n = hash != NULL ? (size_t)(hash - buf) : *len;
    size_t a = 0;
    while (a < n && is_blank(buf[a])) {
        a++;
    }
    while (n > a && is_blank(buf[n - 1u])) {
        n--;
    }
    buf[n] = '\0';
    *len = n - a;
    return buf + a;
}

static int read_file(struct sim_config *c)
{
    FILE *f = fopen(c->file, "r");
    if (f == NULL) {
        return cfg_error("--config-file %s: %s", c->file, strerror(errno));
    }
    char buf[SIM_CONFIG_LINE_MAX + 1u];
    int st = -1;
    for (uint32_t line = 1u; st < 0; line++) {
        size_t len = 0;
        int r = read_line(f, buf, &len);
        if (r == 0) {
            break;
        }
        if (r < 0) {
            st = r == -1   ? cfg_error("%s:%lu: line longer than %u characters", c->file,
                                       (unsigned long)line, SIM_CONFIG_LINE_MAX)
                 : r == -2 ? cfg_error("%s:%lu: a NUL byte (not a text file)", c->file,
                                       (unsigned long)line)
                           : cfg_error("--config-file %s: %s", c->file, strerror(errno));
            break;
        }
        char *text = line_text(buf, &len);
        if (len > 0u) {
            st = file_line(c, text, len, line);
        }
    }
    (void)fclose(f);
    return st;
}

/* ---- the whole ------------------------------------------------------------------------------ */

/* Copy the codes of layer @p l into @p z. @return OMP_OK (each was checked when given). */
static omp_err layer_apply(const struct sim_zlayer *l, struct omp_mcfg_zcodes *z)
{
    omp_err err = OMP_OK;
    for (unsigned n = 1u; n <= OMP_MCFG_Z_COUNT && err == OMP_OK; n++) {
        uint16_t v = 0;
        if (((l->mask >> (n - 1u)) & 1u) != 0u) {
            err = omp_mcfg_z_get(&l->z, n, &v);
            if (err == OMP_OK) {
                err = omp_mcfg_z_set(z, n, v, NULL);
            }
        }
    }
    return err;
}

/* The configuration as a whole was refused (a rule joining the codes and the type number, e.g.
 * Z19 without breaker): name where the code came from. */
static int whole_refused(const struct sim_config *c, const char *type,
                         const struct omp_mcfg_error *w, omp_err err)
{
    const struct omp_mcfg_error e = why_fixed(w);
    char text[160];
    why_z(text, sizeof text, &e, err);
    unsigned n = 0;
    if (e.field[0] == 'Z') {
        for (const char *p = e.field + 1; *p >= '0' && *p <= '9'; p++) {
            n = n * 10u + (unsigned)(*p - '0');
        }
    }
    const uint32_t bit = (n >= 1u && n <= OMP_MCFG_Z_COUNT) ? OMP_MCFG_ZBIT(n) : 0u;
    if ((c->cmd_z.mask & bit) != 0u) {
        return cfg_error("--config: %s", text);
    }
    if ((c->file_z.mask & bit) != 0u) {
        return cfg_error("%s:%lu: %s", c->file, (unsigned long)c->file_z.line[n - 1u], text);
    }
    return cfg_error("the factory codes of type number %s: %s", type, text);
}

int sim_config_finish(struct sim_config *c)
{
    if (c->file != NULL) {
        int st = read_file(c);
        if (st >= 0) {
            return st;
        }
    }
    const char *type = c->has_type ? c->type : c->file_has_type ? c->file_type : c->default_type;
    struct omp_mcfg_error w;
    memset(&w, 0, sizeof w);
    omp_err err = omp_mcfg_typeno_decode(type, strlen(type), &c->codes.type, &w);
    if (err == OMP_OK) {
        err = omp_mcfg_defaults(&c->codes.type, &c->codes.z);
    }
    if (err == OMP_OK) {
        err = layer_apply(&c->file_z, &c->codes.z);
    }
    if (err == OMP_OK) {
        err = layer_apply(&c->cmd_z, &c->codes.z);
    }
    if (err != OMP_OK) { /* each part was checked when given */
        return cfg_error("type number %s refused: %s", type, omp_strerror(err));
    }
    c->given = c->file_z.mask | c->cmd_z.mask;
    err = omp_mcfg_validate(&c->codes, &w);
    if (err != OMP_OK) {
        return whole_refused(c, type, &w, err);
    }
    return -1;
}
