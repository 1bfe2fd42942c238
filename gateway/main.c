// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * copperline: the gateway daemon. Loads the configuration, opens the card,
 * starts the media thread and the SIP user agent, and runs the control
 * thread's event loop until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>

#include "config.h"
#include "gateway/app.h"
#include "gateway/call.h"
#include "gateway/cardport.h"
#include "gateway/conf.h"
#include "gateway/ctl.h"
#include "gateway/line.h"
#include "gateway/log.h"
#include "gateway/notify.h"
#include "gateway/reload.h"
#include "gateway/sip.h"
#include "gateway/trunk.h"

#define DEFAULT_CONF "/etc/copperline/copperline.conf"

struct daemon {
	struct gw_app app;
	struct gw_ctl *ctl;
	su_timer_t *sample_timer;
	int sigfd;
	const char *level_override; /* --log-level, wins over the file's */
};

void gw_app_media_cmd(struct gw_app *app, const struct gw_media_cmd *cmd)
{
	if (gw_media_cmd(app->media, cmd) < 0)
		gw_log(GW_LOG_ERR, "media",
		       "command %d for chan %d lost: media thread not keeping up",
		       cmd->type, cmd->chan);
}

static int on_media_event(su_root_magic_t *magic, su_wait_t *w,
			  su_wakeup_arg_t *arg)
{
	struct gw_app *app = arg;
	struct gw_media_ev ev;
	uint64_t v;

	if (read(gw_media_ev_fd(app->media), &v, sizeof(v)) < 0 &&
	    errno != EAGAIN)
		gw_log(GW_LOG_ERR, "media", "eventfd: %s", strerror(errno));
	while (gw_media_ev_get(app->media, &ev))
		gw_line_media_event(app, &ev);
	return 0;
}

static int on_signal(su_root_magic_t *magic, su_wait_t *w,
		     su_wakeup_arg_t *arg)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;

	if (read(d->sigfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGHUP) {
		char what[4096];

		gw_reload(&d->app, what, sizeof(what)); /* reload.h */
		return 0;
	}
	gw_log(GW_LOG_NOTICE, "main", "signal %u: shutting down",
	       si.ssi_signo);
	su_root_break(d->app.root);
	return 0;
}

static void on_sample(su_root_magic_t *magic, su_timer_t *t,
		      su_timer_arg_t *arg)
{
	gw_ctl_sample(arg);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: copperline [options]\n"
		"  -c, --config FILE          configuration (default " DEFAULT_CONF ")\n"
		"      --control-socket PATH  override general.control_socket\n"
		"      --card-device PATH     override card.device\n"
		"  -l, --log-level LEVEL      error|warning|notice|info|debug\n"
		"      --check-config         validate the configuration and exit\n"
		"  -V, --version              print the version and exit\n"
		"  -h, --help                 this help\n");
}

/* The ports of the config must exist on the card with the same type. */
static int check_card(struct gw_app *app)
{
	int bad = 0;

	for (int i = 0; i < app->conf->nports; i++) {
		const struct gw_conf_port *p = &app->conf->ports[i];
		enum gw_hw_chan_type t = app->hw->chan_type(app->card, p->channel);
		if (t == GW_HW_CHAN_NONE)
			continue; /* not reachable yet: alarm until it is */
		if ((int)t != (int)p->type) {
			gw_log(GW_LOG_ERR, "main",
			       "%s:%d: ports: port %s is configured %s but card channel %d is %s",
			       app->conf->path, p->line, p->name,
			       p->type == GW_CONF_PORT_FXS ? "fxs" : "fxo",
			       p->channel, gw_hw_chan_type_name(t));
			bad++;
		}
	}
	return bad ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "control-socket", required_argument, NULL, 'S' },
		{ "card-device", required_argument, NULL, 'D' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = DEFAULT_CONF, *ctl_path = NULL,
		   *card_dev = NULL, *level = NULL;
	bool check_only = false;
	struct daemon d = { .sigfd = -1 };
	struct gw_app *app = &d.app;
	char err[512];
	int rc = 1, opt, e;
	su_wait_t wsig[1], wmedia[1];
	sigset_t mask;

	while ((opt = getopt_long(argc, argv, "c:l:Vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': conf_path = optarg; break;
		case 'S': ctl_path = optarg; break;
		case 'D': card_dev = optarg; break;
		case 'l': level = optarg; break;
		case 'C': check_only = true; break;
		case 'V': printf("copperline %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}

	e = gw_conf_load(&app->conf, conf_path, err, sizeof(err));
	if (e) {
		fprintf(stderr, "copperline: %s\n", err);
		return 1;
	}
	if (check_only) {
		printf("%s: configuration ok (%d ports, %d routes)\n", conf_path,
		       app->conf->nports, app->conf->nroutes);
		gw_conf_free(app->conf);
		return 0;
	}
	if (ctl_path)
		snprintf(app->conf->control_socket,
			 sizeof(app->conf->control_socket), "%s", ctl_path);
	if (card_dev)
		snprintf(app->conf->card_device, sizeof(app->conf->card_device),
			 "%s", card_dev);
	e = gw_log_level_parse(level ? level : app->conf->log_level);
	if (e < 0) {
		fprintf(stderr, "copperline: unknown log level '%s'\n", level);
		goto out_conf;
	}
	gw_log_set_level((enum gw_log_level)e);
	gw_log_conf_apply(app->conf); /* general.log_levels */
	setvbuf(stderr, NULL, _IOLBF, 0);

	app->hw = gw_hw_find(app->conf->card_driver);
	if (!app->hw) {
		fprintf(stderr, "copperline: %s: card.driver: unknown driver '%s'\n",
			conf_path, app->conf->card_driver);
		goto out_conf;
	}
	if (app->conf->cdr_db[0] &&
	    gw_cdr_open(&app->cdr, app->conf->cdr_db, app->conf->cdr_csv, err,
			sizeof(err)) < 0) {
		fprintf(stderr, "copperline: call records (general.cdr_db): %s\n",
			err);
		goto out_conf;
	}

	/* SIGINT/SIGTERM (and SIGHUP: reload) arrive through a signalfd on
	 * the control thread. */
	d.level_override = level;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	su_init();
	gw_log_hook_sofia();
	app->root = su_root_create(NULL);
	app->started = time(NULL);
	if (!app->root || d.sigfd < 0 ||
	    gw_reload_init(app, level, ctl_path, card_dev) < 0) {
		gw_log(GW_LOG_ERR, "main", "cannot set up the event loop");
		goto out_su;
	}

	e = app->hw->open(&app->card, app->conf->card_device);
	if (e) {
		gw_log(GW_LOG_ERR, "main", "card %s: cannot open '%s': %s",
		       app->hw->name, app->conf->card_device, strerror(-e));
		goto out_root;
	}
	int unreachable = 0;
	for (int i = 0; i < app->conf->nports; i++)
		unreachable += app->hw->chan_type(app->card,
						  app->conf->ports[i].channel) ==
			       GW_HW_CHAN_NONE;
	if (unreachable)
		gw_log(GW_LOG_WARNING, "main",
		       "card %s: %d of %d ports not reachable at '%s' yet; in alarm until they are",
		       app->hw->name, unreachable, app->conf->nports,
		       app->conf->card_device);
	if (check_card(app))
		goto out_card;
	/* channels 1..the highest configured port: no DSP state for others */
	int nchan = 1;
	for (int i = 0; i < app->conf->nports; i++)
		if (app->conf->ports[i].channel > nchan)
			nchan = app->conf->ports[i].channel;
	e = gw_media_alloc(&app->media, app->hw, app->card, nchan);
	if (e) {
		gw_log(GW_LOG_ERR, "main", "media: %s", strerror(-e));
		goto out_card;
	}
	e = gw_media_set_threads(app->media,
				 app->conf->media_threads
					 ? app->conf->media_threads
					 : gw_media_auto_threads(nchan));
	if (e) {
		gw_log(GW_LOG_ERR, "main", "media: threads: %s", strerror(-e));
		goto out_lines;
	}
	e = gw_media_set_dtmf_lookahead(app->media,
					app->conf->dtmf_lookahead_ms);
	if (e) {
		gw_log(GW_LOG_ERR, "main", "media: DTMF look-ahead: %s",
		       strerror(-e));
		goto out_lines;
	}
	e = gw_media_set_rtp_timeout(app->media, app->conf->rtp_timeout_s);
	if (e)
		gw_log(GW_LOG_WARNING, "main", "media: RTP timeout %d s: %s",
		       app->conf->rtp_timeout_s, strerror(-e));
	for (int i = 0; i < app->conf->nports; i++) {
		const struct gw_conf_port *p = &app->conf->ports[i];
		if (p->type == GW_CONF_PORT_FXS && app->hw->hook_timing) {
			struct gw_hw_hook_timing t = {
				.flash_min_ms = p->flash_min_ms,
				.flash_max_ms = p->flash_max_ms,
				.pulse_gap_ms = GW_LINE_PULSE_GAP_MS,
			};
			e = app->hw->hook_timing(app->card, p->channel, &t);
			if (e)
				gw_log(GW_LOG_WARNING, "main",
				       "port %s: hook timing: %s", p->name,
				       strerror(-e));
		}
		if (p->echo_canceller) {
			e = gw_media_set_echo(app->media, p->channel,
					      p->echo_tail_ms);
			if (e) {
				gw_log(GW_LOG_ERR, "main",
				       "port %s: echo canceller: %s", p->name,
				       strerror(-e));
				goto out_lines;
			}
		}
		e = gw_media_set_zone(app->media, p->channel,
				      gw_zone_find(p->zone));
		if (e) {
			gw_log(GW_LOG_ERR, "main", "port %s: tone zone %s: %s",
			       p->name, p->zone, strerror(-e));
			goto out_lines;
		}
		if (gw_cardport_setup(app, p)) /* gains, kernel canceller */
			goto out_lines;
		if (gw_line_init(app, &app->lines[i], p))
			goto out_lines;
		app->nlines++;
	}
	for (int i = 0; i < app->nlines; i++)
		if (app->hw->chan_type(app->card, app->lines[i].chan) ==
		    GW_HW_CHAN_NONE)
			app->lines[i].state = GW_LINE_ALARM;

	su_wait_create(wsig, d.sigfd, SU_WAIT_IN);
	su_root_register(app->root, wsig, on_signal, &d, 0);
	su_wait_create(wmedia, gw_media_ev_fd(app->media), SU_WAIT_IN);
	su_root_register(app->root, wmedia, on_media_event, app, 0);

	e = gw_media_start(app->media);
	if (e) {
		gw_log(GW_LOG_ERR, "main", "cannot start the media thread: %s",
		       strerror(-e));
		goto out_lines;
	}
	{
		struct gw_media_stats st;
		gw_media_stats_get(app->media, &st);
		gw_log(GW_LOG_INFO, "media",
		       "%d media thread%s for %d channels, %s, memory %s",
		       st.threads, st.threads == 1 ? "" : "s", nchan,
		       st.realtime ? "SCHED_FIFO" : "normal priority",
		       st.mlocked ? "locked" : "not locked");
		if (!st.realtime)
			gw_log(GW_LOG_NOTICE, "media",
			       "no permission for SCHED_FIFO: media threads run at normal priority");
	}
	if (gw_sip_start(app))
		goto out_media;
	if (gw_trunk_start(app) < 0) /* registrations (trunk.c) */
		goto out_sip;
	e = gw_ctl_start(&d.ctl, app, app->conf->control_socket);
	if (e) {
		gw_log(GW_LOG_ERR, "main", "control socket %s: %s",
		       app->conf->control_socket, strerror(-e));
		goto out_sip;
	}
	d.sample_timer = su_timer_create(su_root_task(app->root), 1000);
	su_timer_set_for_ever(d.sample_timer, on_sample, d.ctl);
	gw_ctl_sample(d.ctl);

	gw_log(GW_LOG_NOTICE, "main",
	       "copperline %s running: %d ports, control socket %s",
	       PACKAGE_VERSION, app->nlines, app->conf->control_socket);
	gw_notify_ready(app);
	su_root_run(app->root);
	gw_notify_stopping();
	rc = 0;

	su_timer_destroy(d.sample_timer);
	gw_ctl_stop(d.ctl);
out_sip:
	gw_trunk_stop(app);
	gw_sip_stop(app);
	gw_trunk_free(app);
out_media:
	gw_media_stop(app->media);
out_lines:
	gw_call_shutdown(app);
	for (int i = 0; i < app->nlines; i++)
		gw_line_release(&app->lines[i]);
	gw_reload_release(app); /* configurations replaced by reloads */
	gw_media_free(app->media);
out_card:
	app->hw->close(app->card);
out_root:
	su_root_destroy(app->root);
out_su:
	su_deinit();
	if (d.sigfd >= 0)
		close(d.sigfd);
out_conf:
	gw_cdr_close(app->cdr);
	gw_conf_free(app->conf);
	return rc;
}
