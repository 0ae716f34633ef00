/* A growing text buffer with JSON helpers for the host tool. Out of memory ends the program. */
#include "json.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void sb_reserve(struct sb *s, size_t extra)
{
    if (s->len + extra + 1u <= s->cap) {
        return;
    }
    size_t cap = s->cap == 0u ? 256u : s->cap;
    while (cap < s->len + extra + 1u) {
        cap *= 2u;
    }
    char *p = realloc(s->p, cap);
    if (p == NULL) {
        (void)fputs("omnipower: out of memory\n", stderr);
        exit(1);
    }
    s->p = p;
    s->cap = cap;
}

void sb_init(struct sb *s)
{
    s->p = NULL;
    s->len = 0u;
    s->cap = 0u;
    sb_reserve(s, 0u);
    s->p[0] = '\0';
}

void sb_free(struct sb *s)
{
    free(s->p);
    s->p = NULL;
    s->len = 0u;
    s->cap = 0u;
}

void sb_clear(struct sb *s)
{
    s->len = 0u;
    s->p[0] = '\0';
}

void sb_putc(struct sb *s, char c)
{
    sb_reserve(s, 1u);
    s->p[s->len++] = c;
    s->p[s->len] = '\0';
}

void sb_puts(struct sb *s, const char *str)
{
    size_t n = strlen(str);
    sb_reserve(s, n);
    memcpy(s->p + s->len, str, n + 1u);
    s->len += n;
}

void sb_printf(struct sb *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        sb_reserve(s, (size_t)n);
        (void)vsnprintf(s->p + s->len, (size_t)n + 1u, fmt, ap2);
        s->len += (size_t)n;
    }
    va_end(ap2);
}

void sb_json_str(struct sb *s, const char *str, size_t n)
{
    sb_putc(s, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)str[i];
        if (c == '"' || c == '\\') {
            sb_putc(s, '\\');
            sb_putc(s, (char)c);
        } else if (c == '\n') {
            sb_puts(s, "\\n");
        } else if (c < 0x20u || c >= 0x7Fu) {
            /* not printable ASCII: keep the byte value (visible-strings are ASCII anyway) */
            sb_printf(s, "\\u%04x", (unsigned)c);
        } else {
            sb_putc(s, (char)c);
        }
    }
    sb_putc(s, '"');
}

void sb_json_hex(struct sb *s, const uint8_t *p, size_t n)
{
    static const char k_hex[] = "0123456789ABCDEF";
    sb_reserve(s, 2u * n + 2u);
    s->p[s->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        s->p[s->len++] = k_hex[p[i] >> 4];
        s->p[s->len++] = k_hex[p[i] & 0x0Fu];
    }
    s->p[s->len++] = '"';
    s->p[s->len] = '\0';
}

void sb_key(struct sb *s, const char *key)
{
    if (s->len > 0u && s->p[s->len - 1u] != '{' && s->p[s->len - 1u] != '[') {
        sb_putc(s, ',');
    }
    sb_json_str(s, key, strlen(key));
    sb_putc(s, ':');
}

static void indent(FILE *f, unsigned level)
{
    (void)fputc('\n', f);
    for (unsigned i = 0; i < level; i++) {
        (void)fputs("  ", f);
    }
}

void json_pretty(FILE *f, const char *json, size_t len)
{
    unsigned level = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = json[i];
        if (in_str) {
            (void)fputc(c, f);
            if (c == '\\' && i + 1u < len) {
                (void)fputc(json[++i], f);
            } else if (c == '"') {
                in_str = false;
            }
            continue;
        }
        switch (c) {
        case '"':
            in_str = true;
            (void)fputc(c, f);
            break;
        case '{':
        case '[':
            (void)fputc(c, f);
            if (i + 1u < len && (json[i + 1u] == '}' || json[i + 1u] == ']')) {
                (void)fputc(json[++i], f);
            } else {
                level++;
                indent(f, level);
            }
            break;
        case '}':
        case ']':
            level = level > 0u ? level - 1u : 0u;
            indent(f, level);
            (void)fputc(c, f);
            break;
        case ',':
            (void)fputc(c, f);
            indent(f, level);
            break;
        case ':':
            (void)fputs(": ", f);
            break;
        default:
            (void)fputc(c, f);
            break;
        }
    }
    (void)fputc('\n', f);
}
