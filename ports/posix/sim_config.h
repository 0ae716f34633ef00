/* omnipower-sim: the meter's configuration from the command line (--type-number, --config) and a
 * configuration file (--config-file): the type number and Z codes, collected, checked and combined
 * into one struct omp_mcfg. Usage errors print ONE line on stderr and give exit status 2.
 * Private to the simulator (ports/posix); the library only sees the result
 * (omp_meter_cfg_from_codes). See docs/simulator.md "Meter configuration". */
#ifndef OMNIPOWER_SIM_CONFIG_H
#define OMNIPOWER_SIM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "omnipower/mcfg.h"

/** Longest line of a configuration file, without its newline. */
#define SIM_CONFIG_LINE_MAX 255u

/** Z codes given by one source: the values of the codes in @c mask. */
struct sim_zlayer {
    struct omp_mcfg_zcodes z;          /* valid throughout (starts as a valid set) */
    uint32_t mask;                     /* OMP_MCFG_ZBIT of the codes given */
    uint32_t line[OMP_MCFG_Z_COUNT];   /* file: line that set the code last */
};

struct sim_config {
    char default_type[OMP_MCFG_TYPENO_SIZE]; /* the meter's default type number */
    bool has_type;                     /* --type-number */
    char type[OMP_MCFG_TYPENO_SIZE];
    const char *file;                  /* --config-file, or NULL */
    bool file_has_type;
    uint32_t file_type_line;
    char file_type[OMP_MCFG_TYPENO_SIZE];
    struct sim_zlayer file_z;          /* Z codes of the file, applied first */
    struct sim_zlayer cmd_z;           /* Z codes of --config, applied after the file's */
    struct omp_mcfg codes;             /* the result of sim_config_finish */
    uint32_t given;                    /* codes given by the file or --config */
};

/** Start with nothing given; @p default_type is the meter's default type number.
 *  @return -1, or 2 after a message (an invalid default). */
int sim_config_init(struct sim_config *c, const char *default_type);
/** --type-number @p arg. @return -1 (taken), or 2 after a one-line message. */
int sim_config_type_number(struct sim_config *c, const char *arg);
/** --config @p arg (Z text, docs/config.md); later ones win. @return -1, or 2 after a message. */
int sim_config_text(struct sim_config *c, const char *arg);
/** --config-file @p path (read by sim_config_finish). @return -1, or 2 after a message. */
int sim_config_file(struct sim_config *c, const char *path);
/** Read the file, then: the type number (--type-number, else the file's, else the default), its
 *  factory codes (omp_mcfg_defaults), the file's codes, the --config codes; check the whole.
 *  @return -1 (c->codes holds the configuration), or 2 after a one-line message. */
int sim_config_finish(struct sim_config *c);

#endif /* OMNIPOWER_SIM_CONFIG_H */
