/* A growing text buffer with JSON helpers for the host tool (heap, stdio). */
#ifndef OMNIPOWER_TOOLS_JSON_H
#define OMNIPOWER_TOOLS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sb {
    char *p;
    size_t len;
    size_t cap;
};

void sb_init(struct sb *s);
void sb_free(struct sb *s);
void sb_clear(struct sb *s);
void sb_putc(struct sb *s, char c);
void sb_puts(struct sb *s, const char *str);
void sb_printf(struct sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** A JSON string literal ("..." with escapes) of @p n bytes. */
void sb_json_str(struct sb *s, const char *str, size_t n);
/** A JSON string of upper-case hex digits. */
void sb_json_hex(struct sb *s, const uint8_t *p, size_t n);
/** "key": (with a leading comma unless the previous character opens an object/array). */
void sb_key(struct sb *s, const char *key);
/** Write @p json (compact, valid JSON) to @p f indented by 2 spaces per level. */
void json_pretty(FILE *f, const char *json, size_t len);

#endif /* OMNIPOWER_TOOLS_JSON_H */
