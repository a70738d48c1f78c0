/* demo.h — helpers of `trilink demo` split by what they may include. */
#ifndef TL_CLI_DEMO_H
#define TL_CLI_DEMO_H

#include "trilink/error.h"

/** Write and check the demo's network config (domains base..base+4, time window
 *  past_s). demo_net.c. */
int tl_demo_write_config(const char *path, int base, double past_s, tl_err *err);
/** Create the PKI in dir for config unless every nation's files check out.
 *  *created says whether it was (re)created. demo_net.c. */
int tl_demo_ensure_pki(const char *config, const char *dir, int *created, tl_err *err);

/** `trilink demo --physics`: the flight-physics printout. demo_physics.c. */
int tl_demo_physics(int argc, char **argv);

#endif
