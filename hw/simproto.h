/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * simproto: the wire between the simulated card (hw/sim.c, inside the
 * gateway) and copperline-linesim (the far side of every simulated port).
 *
 * Transport: a Unix SOCK_SEQPACKET socket that linesim listens on and the
 * gateway connects to; one message per packet, host byte order (both ends
 * run on the same machine).
 *
 * Clocking: the gateway's card is the clock. Every 20 ms it sends one
 * GW_SIM_MSG_FRAME carrying what the gateway sends on each channel; linesim
 * answers each with one GW_SIM_MSG_FRAME carrying what the far side sends
 * back (the gateway reads it in the next period, as a real card buffers one
 * block). linesim never runs its line models on its own clock, so the two
 * sides cannot drift.
 *
 * Signalling: GW_SIM_MSG_SIGNAL, either way. Gateway to linesim carries a
 * `enum gw_hw_lineop`; linesim to gateway carries an `enum gw_hw_event_type`
 * (hw/hw.h) and the sample, within the frame linesim is answering, at
 * which it happened (dial pulses are shorter than a frame's worth of
 * precision allows). Ring cadence is applied by linesim (as DAHDI applies
 * it in the kernel): RING_START rings 2 s on, 4 s off until RING_STOP or
 * off-hook. A phone's raw hook changes are turned into dial pulses,
 * hook-flashes and on-hook by hw/sim.c, as DAHDI's kernel driver does.
 *
 * On connect linesim sends GW_SIM_MSG_HELLO with its port list.
 */
#ifndef GW_SIMPROTO_H
#define GW_SIMPROTO_H

#include <stdint.h>

#include "hw/hw.h"

#define GW_SIM_VERSION 2

enum gw_sim_msg_type {
	GW_SIM_MSG_HELLO = 1,
	GW_SIM_MSG_FRAME = 2,
	GW_SIM_MSG_SIGNAL = 3,
};

struct gw_sim_hdr {
	uint16_t type;	  /* enum gw_sim_msg_type */
	uint16_t version; /* GW_SIM_VERSION */
	uint32_t len;	  /* whole message, header included */
};

struct gw_sim_hello {
	struct gw_sim_hdr hdr;
	uint32_t nchans;
	/* types[i] is channel i+1's enum gw_hw_chan_type, gateway's view */
	uint8_t types[GW_HW_MAX_CHANS];
};

struct gw_sim_frame {
	struct gw_sim_hdr hdr;
	uint32_t seq; /* gateway's period counter; linesim echoes it */
	uint32_t nchans;
	int16_t samples[GW_HW_MAX_CHANS][GW_HW_FRAME_SAMPLES];
};

/* Size of a frame message carrying n channels. */
#define GW_SIM_FRAME_LEN(n)                                                    \
	(offsetof(struct gw_sim_frame, samples) +                              \
	 (size_t)(n) * GW_HW_FRAME_SAMPLES * sizeof(int16_t))

/*
 * Signal codes gateway -> linesim besides the lineops: an FXS port's
 * battery is dropped (the kewlstart disconnect, hw.h disconnect) and
 * restored, each sent in the period it happens (the card times the drop).
 */
#define GW_SIM_SIG_BATTERY_OFF 100
#define GW_SIM_SIG_BATTERY_ON 101

struct gw_sim_signal {
	struct gw_sim_hdr hdr;
	uint32_t chan; /* 1-based */
	uint32_t code; /* enum gw_hw_lineop or enum gw_hw_event_type */
	uint32_t offset; /* linesim -> gateway: sample 0..159 of the frame;
			  * gateway -> linesim: the sample of the frame
			  * sent next in this period at which an FXO hook
			  * change (dial pulse, hook-flash) happens */
};

#endif
