/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * script: scenario files for copperline-linesim, run by its client mode
 * (`copperline-linesim --control PATH --script FILE`) against a running
 * simulator through the control socket (doc/copperline-linesim.md,
 * "Scenario files").
 *
 * A scenario is a text file, one step a line:
 *
 *   # comment (also after a step, from " #")
 *   COMMAND [ARGS...]          a control command; its reply must be "ok ..."
 *   sleep SECONDS              wait (fractions allowed, at most 3600)
 *   expect [SECONDS] COMMAND [ARGS...] : CHECK...
 *                              repeat COMMAND every 100 ms until its reply
 *                              passes every CHECK, for at most SECONDS
 *                              (default 10): KEY=VALUE (equal), KEY~TEXT
 *                              (contains), KEY=LO..HI (a number in range)
 *   print TEXT                 print TEXT
 *
 * The whole file is checked before the first step runs: a bad line is
 * reported as FILE:LINE: what is wrong, and nothing is sent. Each step is
 * printed as it runs, with the time since the start; a failed step prints
 * FILE:LINE, the step and the last reply, and ends the scenario.
 */
#ifndef LS_SCRIPT_H
#define LS_SCRIPT_H

/*
 * Run scenario `path` ("-": standard input) against the control socket
 * `control`. Returns 0 when every step passed, 1 when a step failed or
 * the socket went away, 2 when the file cannot be read or has a bad line.
 */
int ls_script_run(const char *control, const char *path);

#endif
