/* omnipower-sim --secrets FILE: parser and defaults (sim_secrets.h, docs/simulator.md). */
#include "sim_secrets.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define LINE_MAX_LEN 256u

/* HAN keys of the Danish capture (docs/han.md "Test keys"), so pushes decode with its keys. */
static const uint8_t k_han_ek[SIM_KEY_LEN] = {0x5A, 0xD8, 0x41, 0x21, 0xD9, 0xD2, 0x0B, 0x36,
                                              0x4B, 0x7A, 0x11, 0xF3, 0xC1, 0xB5, 0x82, 0x7F};
static const uint8_t k_han_ak[SIM_KEY_LEN] = {0xAF, 0xB3, 0xF9, 0x3E, 0x3E, 0x72, 0x04, 0xED,
                                              0xB3, 0xC2, 0x7F, 0x96, 0xDB, 0xD5, 0x1A, 0xE0};

void sim_secrets_default(struct sim_secrets *s)
{
    memset(s, 0, sizeof *s);
    memcpy(s->han_ek, k_han_ek, sizeof k_han_ek);
    memcpy(s->han_ak, k_han_ak, sizeof k_han_ak);
    memcpy(s->lls_password, "12345", 5u);
    s->lls_len = 5u;
    for (unsigned k = 0; k < SIM_KEY_LEN; k++) {
        s->guek[k] = s->gbek[k] = s->kek[k] = (uint8_t)k;
        s->gak[k] = (uint8_t)(0xD0u + k);
    }
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = tolower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

static bool parse_key(const char *v, uint8_t out[SIM_KEY_LEN])
{
    if (strlen(v) != 2u * SIM_KEY_LEN) {
        return false;
    }
    for (unsigned k = 0; k < SIM_KEY_LEN; k++) {
        int hi = hexval((unsigned char)v[2u * k]), lo = hexval((unsigned char)v[2u * k + 1u]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out[k] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static char *trim(char *p)
{
    while (*p != '\0' && isspace((unsigned char)*p)) {
        p++;
    }
    size_t n = strlen(p);
    while (n > 0u && isspace((unsigned char)p[n - 1u])) {
        p[--n] = '\0';
    }
    return p;
}

/* One `name = value` line into @p s: NULL, or what is wrong. @p seen: names already given. */
static const char *take(struct sim_secrets *s, char *name, char *value, unsigned *seen)
{
    static const char *const k_names[] = {"lls_password", "guek",   "gbek",  "gak",
                                          "kek",          "han_ek", "han_ak"};
    uint8_t *const keys[] = {NULL, s->guek, s->gbek, s->gak, s->kek, s->han_ek, s->han_ak};
    for (unsigned k = 0; k < sizeof k_names / sizeof k_names[0]; k++) {
        if (strcmp(name, k_names[k]) != 0) {
            continue;
        }
        if ((*seen & (1u << k)) != 0u) {
            return "given twice";
        }
        *seen |= 1u << k;
        if (keys[k] != NULL) {
            return parse_key(value, keys[k]) ? NULL : "not 32 hex digits";
        }
        size_t n = strlen(value);
        if (n == 0u || n > OMP_DLMS_LLS_SECRET_MAX || strpbrk(value, " \t") != NULL) {
            return "lls_password must be 1..16 characters without spaces";
        }
        memcpy(s->lls_password, value, n);
        s->lls_len = (uint8_t)n;
        return NULL;
    }
    return "unknown name (lls_password, guek, gbek, gak, kek, han_ek, han_ak)";
}

int sim_secrets_load(struct sim_secrets *s, const char *path, char *err, size_t errcap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        (void)snprintf(err, errcap, "%s: cannot open", path);
        return 1;
    }
    char line[LINE_MAX_LEN];
    unsigned no = 0, seen = 0;
    const char *what = NULL;
    while (what == NULL && fgets(line, sizeof line, f) != NULL) {
        no++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            what = "line too long";
            break;
        }
        char *p = trim(line);
        if (*p == '\0' || *p == '#') {
            continue;
        }
        char *eq = strchr(p, '=');
        if (eq == NULL) {
            what = "expected 'name = value'";
            break;
        }
        *eq = '\0';
        what = take(s, trim(p), trim(eq + 1), &seen);
    }
    if (what == NULL && ferror(f)) {
        what = "read error";
    }
    (void)fclose(f);
    if (what != NULL) {
        (void)snprintf(err, errcap, "%s:%u: %s", path, no, what);
        return 1;
    }
    return 0;
}

omp_err sim_secrets_apply(const struct sim_secrets *s, struct omp_posix_port *p)
{
    const struct {
        uint8_t slot;
        const uint8_t *key;
    } k[] = {{OMP_KEY_GUEK, s->guek},
             {OMP_KEY_GBEK, s->gbek},
             {OMP_KEY_GAK, s->gak},
             {OMP_KEY_KEK, s->kek},
             {OMP_KEY_HAN_EK, s->han_ek},
             {OMP_KEY_HAN_AK, s->han_ak}};
    omp_err err = OMP_OK;
    for (unsigned i = 0; i < sizeof k / sizeof k[0] && err == OMP_OK; i++) {
        err = omp_posix_key_store(p, k[i].slot, k[i].key, SIM_KEY_LEN);
    }
    return err;
}
