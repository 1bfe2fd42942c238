// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cardport: gains and the kernel echo canceller of a port (cardport.h).
 */
#include <errno.h>
#include <string.h>

#include "gateway/cardport.h"
#include "gateway/log.h"

static int gains(struct gw_app *app, const struct gw_conf_port *p)
{
	int e;

	if (p->rx_gain_db == 0 && p->tx_gain_db == 0)
		return 0;
	if (!app->hw->set_gains) {
		gw_log(GW_LOG_ERR, "main", "port %s: rx_gain_db/tx_gain_db: "
		       "the %s card has no gain control", p->name,
		       app->hw->name);
		return -ENOTSUP;
	}
	e = app->hw->set_gains(app->card, p->channel, p->rx_gain_db,
			       p->tx_gain_db);
	if (e == -ENXIO) {
		gw_log(GW_LOG_WARNING, "main", "port %s: channel in alarm: "
		       "gains not set", p->name);
		return 0;
	}
	if (e < 0) {
		gw_log(GW_LOG_ERR, "main", "port %s: card gains rx %+.1f dB, "
		       "tx %+.1f dB: %s", p->name, (double)p->rx_gain_db,
		       (double)p->tx_gain_db, strerror(-e));
		return e;
	}
	gw_log(GW_LOG_INFO, "main", "port %s: card gains rx %+.1f dB, tx "
	       "%+.1f dB", p->name, (double)p->rx_gain_db,
	       (double)p->tx_gain_db);
	return 0;
}

int gw_cardport_setup(struct gw_app *app, const struct gw_conf_port *p)
{
	int e = gains(app, p);

	if (e < 0)
		return e;
	if (!p->echo_kernel) {
		if (p->echo_canceller && app->hw->set_echo)
			app->hw->set_echo(app->card, p->channel, 0);
		return 0;
	}
	e = app->hw->set_echo ? app->hw->set_echo(app->card, p->channel,
						  p->echo_tail_ms * 8)
			      : -ENOTSUP;
	if (e == 0) {
		gw_log(GW_LOG_INFO, "main", "port %s: the card's echo "
		       "canceller, %d taps (ours off)", p->name,
		       p->echo_tail_ms * 8);
		return 0;
	}
	gw_log(GW_LOG_WARNING, "main", "port %s: the card's echo canceller: "
	       "%s: ours instead", p->name, strerror(-e));
	e = gw_media_set_echo(app->media, p->channel, p->echo_tail_ms);
	if (e < 0)
		gw_log(GW_LOG_ERR, "main", "port %s: echo canceller: %s",
		       p->name, strerror(-e));
	return e;
}
