/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl: linesim's control protocol.
 *
 * A Unix SOCK_STREAM socket; any number of clients (up to 64) at once.
 * Each line a client sends is one command; each command gets one reply
 * line, "ok key=value ..." or "err message". Clients are never blocked on:
 * sockets are non-blocking and replies that do not fit are queued.
 * The commands are documented in doc/copperline-linesim.md.
 */
#ifndef LS_CTL_H
#define LS_CTL_H

#include <poll.h>
#include <stddef.h>

struct ls_ctl;
struct ls_sim;

/* Unlinks a stale socket file at `path`, then listens on it. */
int ls_ctl_open(struct ls_ctl **ret, struct ls_sim *sim, const char *path);
/* Closes every client and removes the socket file. Accepts NULL. */
void ls_ctl_close(struct ls_ctl *ctl);
/* Fill at most `max` pollfds; returns how many. */
int ls_ctl_pollfds(struct ls_ctl *ctl, struct pollfd *pfd, int max);
void ls_ctl_handle(struct ls_ctl *ctl, const struct pollfd *pfd, int n);
/* Run one command line; the reply (no newline) goes to `reply`. */
void ls_ctl_exec(struct ls_sim *sim, char *line, char *reply, size_t len);

#endif
