/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hw: the telephony-card boundary.
 *
 * What it does: one `const struct gw_hw_ops` per backend ("sim" for the
 * simulated card wired to copperline-linesim, later "dahdi") gives the
 * gateway a card with numbered channels (1-based), each an FXS or FXO port,
 * that delivers and accepts 16-bit linear frames at 8 kHz and reports line
 * events. The card is the media clock: gw_hw_ops.wait() returns once per
 * frame period, and everything on the media thread follows it.
 *
 * Threads: open/close/chan_count/chan_type run on the control thread before
 * the media thread starts or after it stopped. Every other member runs on
 * the media thread only, so backends need no locking.
 *
 * Channel types name the gateway's side of the port: an FXS port has an
 * analog phone behind it, an FXO port has a line from the central office.
 */
#ifndef GW_HW_H
#define GW_HW_H

#include <stdint.h>

/* Samples per frame: 20 ms at 8 kHz. */
#define GW_HW_FRAME_SAMPLES 160
#define GW_HW_RATE_HZ 8000
/*
 * Channels per card: 8 E1 spans' worth (240 voice channels) with room to
 * spare. Per-channel state is sized by the card's (or the caller's) count
 * at alloc; this bounds fixed arrays (the sim protocol's frame, linesim's
 * ports) and what gw_media_alloc() accepts.
 */
#define GW_HW_MAX_CHANS 256

enum gw_hw_chan_type {
	GW_HW_CHAN_NONE = 0,
	GW_HW_CHAN_FXS = 1, /* phone behind the port: we give battery and ring */
	GW_HW_CHAN_FXO = 2, /* CO line behind the port: we seize and dial */
};

/* Line events, card to gateway. */
enum gw_hw_event_type {
	GW_HW_EV_OFFHOOK = 1,	 /* FXS: the phone went off-hook */
	GW_HW_EV_ONHOOK = 2,	 /* FXS: the phone went on-hook */
	GW_HW_EV_RING_BEGIN = 3, /* FXO: ringing voltage started */
	GW_HW_EV_RING_END = 4,	 /* FXO: ringing voltage stopped */
	GW_HW_EV_POLARITY = 5,	 /* FXO: battery polarity reversed */
	GW_HW_EV_LOOP_DROP = 6,	 /* FXO: loop current dropped (far end gone) */
	GW_HW_EV_ALARM = 7,	 /* card or link lost: channel unusable */
	GW_HW_EV_NOALARM = 8,	 /* card or link back */
	GW_HW_EV_FLASH = 9,	 /* FXS: the phone flashed the hook; value:
				  * how long it was on-hook, ms (0: unknown) */
	GW_HW_EV_PULSE_DIGIT = 10, /* FXS: a rotary-dialled digit; value:
				    * '0'..'9' */
	GW_HW_EV_LOOP_BACK = 11, /* FXO: loop current back after a
				  * LOOP_DROP (the gateway times the drop;
				  * a backend that cannot tell leaves it out
				  * and the drop counts as a hang-up) */
	GW_HW_EV_DIAL_DONE = 12, /* FXO: the digits of dial_pulse() are
				  * out (after the last inter-digit pause) */
};

/*
 * FXO pulse (rotary) dialling, dial_pulse below: each digit n (0 = 10) is
 * n breaks (on-hook) of break_pct % of a 1/pps s pulse period, each
 * followed by a make (off-hook) of the rest; after a digit's last break
 * the line stays off-hook interdigit_ms (the inter-digit pause) before
 * the next digit's first break. pps 8..20, break_pct 50..80,
 * interdigit_ms 100..2000.
 */
struct gw_hw_pulse {
	int pps;
	int break_pct;
	int interdigit_ms;
};

/*
 * FXS hook timing (hook_timing below): an on-hook shorter than flash_min_ms
 * is a dial pulse, counted into a digit that ends after pulse_gap_ms
 * off-hook (GW_HW_EV_PULSE_DIGIT); one of flash_min_ms..flash_max_ms is a
 * hook-flash (GW_HW_EV_FLASH when the phone is back); a longer one is
 * reported as GW_HW_EV_ONHOOK once it has lasted flash_max_ms (or
 * flash_min_ms when flash_max_ms is 0: no hook-flash). Off-hook from
 * on-hook is reported at once.
 */
struct gw_hw_hook_timing {
	int flash_min_ms;
	int flash_max_ms;
	int pulse_gap_ms;
};

struct gw_hw_event {
	int chan; /* 1-based; 0 for the whole card */
	enum gw_hw_event_type type;
	int value; /* FLASH, PULSE_DIGIT: see above; else 0 */
};

/* Line operations, gateway to card. */
enum gw_hw_lineop {
	GW_HW_OP_OFFHOOK = 1,	 /* FXO: seize the line / answer */
	GW_HW_OP_ONHOOK = 2,	 /* FXO: release the line */
	GW_HW_OP_RING_START = 3, /* FXS: ring with the card's cadence */
	GW_HW_OP_RING_STOP = 4,	 /* FXS: stop ringing */
	GW_HW_OP_POLARITY_REV = 5, /* FXS: reverse battery polarity */
	GW_HW_OP_POLARITY_FWD = 6, /* FXS: forward battery polarity */
};

struct gw_hw_card;

struct gw_hw_ops {
	/* Backend name as written in the config ("sim"). */
	const char *name;

	/*
	 * Req, control thread. Open a card. `spec` is backend specific (sim:
	 * path of linesim's card socket). A card whose far side is not there
	 * yet still opens; its channels report GW_HW_EV_ALARM until it is.
	 * Returns 0 or a negative errno; writes *ret only on success.
	 */
	int (*open)(struct gw_hw_card **ret, const char *spec);

	/* Req, control thread. Accepts NULL. */
	void (*close)(struct gw_hw_card *card);

	/*
	 * Req, control thread. Type of channel `chan` as the far side
	 * reported it, GW_HW_CHAN_NONE if unknown (not connected yet) or out
	 * of range.
	 */
	enum gw_hw_chan_type (*chan_type)(struct gw_hw_card *card, int chan);

	/*
	 * Req, media thread. Block until the next frame period, then make
	 * that period's frames available to read(). Returns 0, or a negative
	 * errno on a fatal card error.
	 */
	int (*wait)(struct gw_hw_card *card);

	/*
	 * Req, media thread. Copy this period's GW_HW_FRAME_SAMPLES received
	 * samples of `chan` into `frame` (silence if the far side sent none).
	 */
	int (*read)(struct gw_hw_card *card, int chan, int16_t *frame);

	/*
	 * Req, media thread. Queue GW_HW_FRAME_SAMPLES samples to send on
	 * `chan` in this period. Channels not written send silence.
	 */
	int (*write)(struct gw_hw_card *card, int chan, const int16_t *frame);

	/*
	 * Req, media thread. Flush this period's written frames to the card.
	 */
	int (*flush)(struct gw_hw_card *card);

	/*
	 * Req, media thread. Fetch the next pending line event: 1 if *ev was
	 * filled, 0 if none is pending, negative errno on error.
	 */
	int (*event)(struct gw_hw_card *card, struct gw_hw_event *ev);

	/*
	 * Req, media thread. Perform a line operation. Returns 0, -EINVAL if
	 * the operation does not apply to the channel's type.
	 */
	int (*lineop)(struct gw_hw_card *card, int chan, enum gw_hw_lineop op);

	/*
	 * The members below are optional: NULL when the backend does not
	 * support them. Unless said otherwise they run on the media thread,
	 * or on the control thread while the media thread is not running
	 * (at setup). They return 0 or a negative errno: -ENODEV for a
	 * channel the card does not have, -ENXIO for one in alarm, -EINVAL
	 * when the operation does not apply to the channel's type or a
	 * value is out of range, or the driver's error (-ENOTTY: the card's
	 * driver does not implement it).
	 */

	/*
	 * Opt, media thread: the card's own gains on `chan`, in dB, applied
	 * on top of the gateway's: rx_db to what the line sends us, tx_db to
	 * what we send the line; -24..+24. NULL when unsupported.
	 */
	int (*set_gains)(struct gw_hw_card *card, int chan, float rx_db,
			 float tx_db);

	/*
	 * Opt, media thread: the card's (or driver's) echo canceller on
	 * `chan` with a tail of tail_taps samples (8 per ms; 32, 64, ..,
	 * 1024), 0 = off. The gateway's own canceller should then be off.
	 * NULL when unsupported.
	 */
	int (*set_echo)(struct gw_hw_card *card, int chan, int tail_taps);

	/*
	 * Opt, media thread: FXO: flash the hook (go on-hook for ms, 0 = the
	 * card's default, then off-hook again) on a held line; returns at
	 * once. NULL when unsupported.
	 */
	int (*hookflash)(struct gw_hw_card *card, int chan, int ms);

	/*
	 * Opt, media thread: FXS: on-hook transfer for the next ms (audio,
	 * e.g. caller ID, reaches a phone that is on-hook). NULL when
	 * unsupported.
	 */
	int (*onhook_transfer)(struct gw_hw_card *card, int chan, int ms);

	/*
	 * Opt, media thread: FXS: drop battery for ms (the kewlstart
	 * disconnect, an open loop interval) so that the off-hook phone's
	 * line sees the far end hang up; returns at once and the card
	 * restores battery by itself. ms 0, or a card whose driver times
	 * the drop itself (DAHDI: its kewl time, 500 ms): the card's
	 * length. NULL when unsupported.
	 */
	int (*disconnect)(struct gw_hw_card *card, int chan, int ms);

	/*
	 * Opt, any thread (relaxed: a counter may lag a period): the
	 * backend's counter `name` (backend specific, e.g. "ticks",
	 * "elast_read"), 0 or -ENOENT. NULL when unsupported.
	 */
	int (*stat)(struct gw_hw_card *card, const char *name,
		    uint64_t *value);

	/*
	 * Opt, control thread before the media thread starts: FXS: how the
	 * card tells dial pulses, hook-flashes and on-hook apart on `chan`
	 * (struct gw_hw_hook_timing). NULL when the card's driver has its
	 * own settings (DAHDI: its rxflashtime and pulse timing).
	 */
	int (*hook_timing)(struct gw_hw_card *card, int chan,
			   const struct gw_hw_hook_timing *t);

	/*
	 * Opt, media thread: FXO: pulse-dial `digits` ('0'..'9' only, at
	 * most 31) on a held line with the timing of *p, as the card
	 * times it (DAHDI: its pulse dialler, DAHDI_DIAL "P..."); returns
	 * at once, GW_HW_EV_DIAL_DONE follows when the digits are out.
	 * Going on-hook cancels. NULL when unsupported.
	 */
	int (*dial_pulse)(struct gw_hw_card *card, int chan,
			  const char *digits, const struct gw_hw_pulse *p);
};

extern const struct gw_hw_ops gw_hw_sim_ops;
extern const struct gw_hw_ops gw_hw_dahdi_ops;

/* Backend by config name, or NULL. */
const struct gw_hw_ops *gw_hw_find(const char *name);

const char *gw_hw_chan_type_name(enum gw_hw_chan_type type);
const char *gw_hw_event_name(enum gw_hw_event_type type);

#endif
