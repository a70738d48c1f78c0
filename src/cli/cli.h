/* cli.h — the trilink command's subcommands. Each lives in its own cmd_<name>.c
 * and returns the process exit status: 0 ok, 1 runtime failure, 2 bad usage/input. */
#ifndef TL_CLI_H
#define TL_CLI_H

typedef int (*tl_cli_fn)(int argc, char **argv);

typedef struct tl_cli_command {
    const char *name;
    tl_cli_fn fn;
    const char *summary;
} tl_cli_command;

#ifdef TL_HAVE_NET
int tl_cmd_node(int argc, char **argv); /* cmd_node.c */
int tl_cmd_pki(int argc, char **argv);  /* cmd_pki.c */
#endif

int tl_cmd_sim(int argc, char **argv); /* cmd_sim.c */
int tl_cmd_track(int argc, char **argv); /* cmd_track.c */
int tl_cmd_score(int argc, char **argv); /* cmd_score.c */
#ifdef TL_HAVE_COP
int tl_cmd_cop(int argc, char **argv); /* cmd_cop.c */
#endif

int tl_cmd_traj(int argc, char **argv); /* cmd_traj.c */
int tl_cmd_demo(int argc, char **argv); /* cmd_demo.c */
int tl_cmd_eval(int argc, char **argv); /* cmd_eval.c */

/** Parse a finite double from s for option opt; prints an error naming opt and
 *  returns 0 on failure, 1 on success. */
int tl_cli_parse_double(const char *opt, const char *s, double *out);

struct tl_scenario;
/** Load a drill scenario for command cmd from *path; a NULL *path becomes
 *  scenarios/default.yaml (from the working directory, else from the source tree;
 *  the string lives as long as the process). Prints the loader's FILE:LINE
 *  messages, and "trilink CMD: PATH: cannot load the scenario" on failure.
 *  @retval TL_OK, or the loader's code */
int tl_cli_load_scenario(const char *cmd, const char **path, struct tl_scenario *sc);

#endif
