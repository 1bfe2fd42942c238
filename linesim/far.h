/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * far: the far end of a call on a CO port (linesim/co.c), for answer and
 * disconnect supervision tests: how the far end answers, how it hangs up,
 * what it says, and what the line adds.
 *
 * What it does:
 *   answer     `answer P [polarity|quiet]` answers a call in ringback
 *              now (number 1999 rings until then); `answermode P
 *              polarity|quiet` sets how every answer of the port is
 *              signalled: with a battery reversal (GW_HW_EV_POLARITY,
 *              the default) or without one (quiet: the far end just
 *              starts talking);
 *   hang-up    `hangup P METHOD`: loop [MS] (LOOP_DROP, and after MS
 *              LOOP_BACK; without MS the loop stays open), polarity (a
 *              reversal), busy|reorder|dialtone|sit [ZONE] (that tone
 *              of the port's zone or ZONE), silence (the far end just
 *              stops sending); the line is silent afterwards but for the
 *              tone. `drop P MS` interrupts the loop current for MS and
 *              the call goes on (no hang-up);
 *   talk       `talk P speech [LEVEL]` a speech-like signal (voiced
 *              syllables: a gliding pitch of 90-250 Hz and its
 *              harmonics under three formants, a syllabic envelope of
 *              120-350 ms syllables, 40-250 ms gaps and one pause of
 *              300-900 ms in six; LEVEL dBm0 is the level of the
 *              syllables, default -20), `talk P dtmf DIGITS` (-10 dBm0
 *              per tone, 100 ms on and off, over the speech), `talk P
 *              off`, while the call is answered or connected;
 *   line       `zone P ZONE` the tone zone of the port's CO tones (and of
 *              what `hears` reports); `noise P LEVEL|off` white noise
 *              whenever the gateway is off-hook; `level P DB` a gain on
 *              everything the CO sends (-30..+10 dB).
 *
 * Settings (answermode, zone, noise, level) stay until changed; talk,
 * drops and a hang-up's tone zone end with the call (ls_far_reset()).
 * Every frame goes through ls_far_tick() after the CO's own output; with
 * the loop current off the line sends nothing.
 */
#ifndef LS_FAR_H
#define LS_FAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ls_port;
struct gw_zone;
struct gw_dtmf_tx;

#define LS_SPEECH_HARMS 48

struct ls_speech {
	uint32_t rng;
	float gain;	   /* peak of a syllable's sum, 16-bit units */
	int pos, len;	   /* in the syllable or pause */
	bool voiced;	   /* syllable (else pause) */
	int since_pause;   /* syllables since the last long pause */
	float f0, f0_to;   /* pitch now and where it glides */
	float phase;	   /* of the fundamental, radians */
	int nharm;
	float amp[LS_SPEECH_HARMS];
	float ph[LS_SPEECH_HARMS];
};

struct ls_far {
	/* settings */
	bool answer_quiet; /* answer without a battery reversal */
	const struct gw_zone *zone; /* CO tones; NULL: the default zone */
	int noise_dbm0;	   /* line noise; 0: off */
	int level_db;	   /* gain on what the CO sends */
	/* this call */
	int drop_frames; /* loop current off: frames left, -1 open, 0 on */
	bool speech;
	struct ls_speech sp;
	struct gw_dtmf_tx *dtmf; /* allocated on first use */
	uint32_t noise_rng;
};

/* The CO answers (co.c answer()): sends the reversal unless quiet. */
void ls_far_answered(struct ls_port *p);
/* A call ends (co.c ls_co_reset()): per-call state off. */
void ls_far_reset(struct ls_port *p);
/* After the CO's output of a frame: talk, level, noise, loop current. */
void ls_far_tick(struct ls_port *p, int16_t *out);
void ls_far_release(struct ls_port *p);
/*
 * Control command `cmd` (answer, answermode, hangup, drop, talk, zone,
 * noise, level) with its arguments after the port. Returns 0 with an
 * "ok ..." reply, or -EINVAL with an "err ..." reply or none (usage).
 */
int ls_far_command(struct ls_port *p, const char *cmd, int argc,
		   char **argv, char *r, size_t len);

#endif
