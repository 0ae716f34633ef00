/* placeholder: replaced by the module implementation */
typedef int omp_placeholder_registers;
