/* being written */
#include "omnipower/core.h"
typedef int omp_placeholder_t;
