/*
 * Corpus replay without libFuzzer: runs LLVMFuzzerTestOneInput of the target linked with it over
 * every regular file of the directories (or the single files) named on the command line, so the
 * seed corpora are regression tests under ctest with any compiler and sanitizer.
 *
 * Usage: replay_<name> <dir-or-file>...
 * Exit status 0 if at least one input ran and none failed (a failing check aborts the process).
 * Each input is copied into a buffer of exactly its size so that ASan sees any overread.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path, size_t *count)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t cap = 4096;
    size_t len = 0;
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        fclose(f);
        return 1;
    }
    size_t got;
    while ((got = fread(buf + len, 1, cap - len, f)) > 0u) {
        len += got;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2u);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return 1;
            }
            buf = nb;
            cap *= 2u;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: read error on %s\n", path);
        free(buf);
        return 1;
    }
    /* exact-size copy: a read past the input is a heap overflow under ASan */
    uint8_t *exact = malloc(len > 0u ? len : 1u);
    if (exact == NULL) {
        free(buf);
        return 1;
    }
    if (len > 0u) {
        memcpy(exact, buf, len);
    }
    free(buf);
    (void)LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    (*count)++;
    return 0;
}

static int run_path(const char *path, size_t *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return run_file(path, count);
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        fprintf(stderr, "replay: cannot open directory %s: %s\n", path, strerror(errno));
        return 1;
    }
    int rc = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue; /* ., .. and hidden files such as .gitkeep */
        }
        char full[4096];
        int n = snprintf(full, sizeof full, "%s/%s", path, e->d_name);
        if (n < 0 || (size_t)n >= sizeof full) {
            fprintf(stderr, "replay: path too long in %s\n", path);
            rc = 1;
            continue;
        }
        struct stat fst;
        if (stat(full, &fst) == 0 && S_ISREG(fst.st_mode)) {
            rc |= run_file(full, count);
        }
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <corpus-dir-or-file>...\n", argv[0]);
        return 2;
    }
    size_t count = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        rc |= run_path(argv[i], &count);
    }
    printf("replay: %zu input(s) passed\n", count);
    if (count == 0u) {
        fprintf(stderr, "replay: no inputs found\n");
        return 1;
    }
    return rc;
}
