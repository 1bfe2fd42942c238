// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dtmf: DTMF receiver, transmitter (spandsp's dtmf_tx) and suppressor.
 *
 * Receiver. The block detector is spandsp 0.0.6's dtmf_rx algorithm,
 * re-implemented here because its energy test cannot be tuned: spandsp
 * requires the pair to hold -0.85 dB of the block's energy, and a 102-point
 * Goertzel loses 1.4 dB on a tone 1.5 % off 1633 Hz, so spandsp rejects
 * digits Q.24 says to accept. Kept from spandsp: 102-sample blocks, the
 * eight Goertzels, its 350/440 Hz dial-tone notch coefficients, threshold,
 * twist, relative-peak (8 dB) tests and its hit state machine (two
 * agreeing blocks start or stop a digit; one odd block is ridden over).
 * Changed: energy test -1.4 dB. Added, using a 512-sample history of
 * what the detector saw:
 *  - frequency check: Hann-windowed DFTs (96 samples, hop 48) at both
 *    nominal frequencies over the last 192 samples; the phase advance
 *    between windows gives each tone's frequency error (unambiguous to
 *    +-83 Hz); spandsp alone accepts many 3.5 % off tones.
 *  - edges: the power at the digit's two frequencies in 32-sample windows
 *    (hop 8) against the tone's own level; where it falls below -6 dB is
 *    the edge, interpolated from the covered fraction of the window.
 *  - minimum duration: a confirmed tone is reported once onset-to-now (or
 *    onset-to-end) reaches min_on_ms; shorter ones are dropped.
 * A digit is queued for gw_dtmf_rx_get() when its START is reported.
 *
 * Transmitter. It counts the samples still owed (on + off time of every
 * queued digit) so gw_dtmf_tx_busy() needs no look into spandsp's private
 * state: spandsp emits exactly on_ms and off_ms worth of samples per digit.
 *
 * Suppressor. A delay ring of delay_ms; the receiver runs on the input
 * before the block's output is read from the ring, so every mute interval
 * the receiver opens (onset - 5 ms .. end + 5 ms) is applied to samples
 * that are still in the ring. Below SUP_FAST_MS the receiver also runs
 * two more Goertzel banks staggered by a third of a block and reports
 * every window (its own blocks included) to the suppressor as a candidate
 * or not; a candidate opens the early mute (input samples from the
 * window's start - 5 ms), which a START turns over to the digit's own
 * interval and which, unconfirmed, closes at the first window without a
 * candidate once the receiver holds no hit (no digit can then start
 * before two more blocks hit, and those would be candidates again).
 * Candidates of the confirmed digit and of its tail are ignored, so a
 * digit is one mute. Windows of 102 samples keep the relative-peak test
 * meaningful (a shorter one cannot tell 697 from 770 Hz); the hop sets
 * the leak: a window fully inside the tone ends <= 135 samples after it.
 */
#include <complex.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/dtmf.h"

#define SAMPLES_PER_MS (SAMPLE_RATE / 1000)

/* spandsp 0.0.6's block and relative-peak test; our energy test. */
#define RX_BLOCK 102
#define REL_PEAK 6.309f /* other tones of a group 8 dB down */
/* Pair power / (block * energy) is 1/2 for a clean pair; spandsp wants
 * -0.85 dB of that, which a 1.5 % off 1633 Hz tone (-1.4 dB in a 102-point
 * Goertzel) fails; we accept -1.4 dB. */
#define TO_TOTAL 0.36f
/* Input history for the frequency check and edge refinement. */
#define HIST 512
#define HIST_MASK (HIST - 1)
/* Frequency check: window, hop and span. */
#define FWIN 96
#define FHOP 48
#define FSPAN (FWIN + 2 * FHOP)
/* Edge refinement: window, hop and span (must fit HIST). */
#define EWIN 32
#define EHOP 8
#define ESPAN 448
#define EMAX ((ESPAN - EWIN) / EHOP + 1)
/* Power ratio (to the tone's) below which a window counts as "off". */
#define EDGE_OFF 0.25f

#define RX_QUEUE MAX_DTMF_DIGITS

/*
 * Candidate windows (the suppressor's early mute): CAND_BANKS block
 * Goertzel banks of RX_BLOCK samples staggered by CAND_HOP, bank 0 being
 * the detector's own, tested with relaxed thresholds (level CAND_LEVEL_DB
 * lower, twists CAND_TWIST_DB wider, energy test CAND_TO_TOTAL).
 */
#define CAND_BANKS 3
#define CAND_HOP (RX_BLOCK / CAND_BANKS)
#define CAND_LEVEL_DB 3
#define CAND_TWIST_DB 2
#define CAND_TO_TOTAL 0.36f
_Static_assert(RX_BLOCK % CAND_BANKS == 0, "banks must tile a block");

static const char digit_map[] = "123A456B789C*0#D";
static const float row_hz[4] = { 697.0f, 770.0f, 852.0f, 941.0f };
static const float col_hz[4] = { 1209.0f, 1336.0f, 1477.0f, 1633.0f };

/* Told at the end of every candidate window: digit if the window looks
 * like that digit's tone pair, else 0; end is its first sample after. */
typedef void (*cand_fn)(void *arg, char digit, uint64_t end);

struct gw_dtmf_rx {
	struct gw_dtmf_rx_params p;
	gw_dtmf_event_fn fn;
	void *arg;
	/* candidate windows, only while cand is set (suppressor) */
	cand_fn cand;
	void *cand_arg;
	float cthr, cnormal_twist, creverse_twist;
	float cv1[CAND_BANKS - 1][8], cv2[CAND_BANKS - 1][8];
	float cenergy[CAND_BANKS - 1];
	/* block detector (spandsp 0.0.6's algorithm, see top) */
	float thr;	     /* per-tone Goertzel power threshold */
	float normal_twist;  /* low/high power ratio limit */
	float reverse_twist; /* high/low power ratio limit */
	float coef[8];	     /* 2 cos(w): rows 0..3, columns 4..7 */
	float v1[8], v2[8];
	float energy;
	float z350[2], z440[2];
	int phase; /* samples into the current block */
	char last_hit, in_digit;
	/* events */
	uint64_t pos; /* samples fed since alloc/reset */
	char cur;     /* digit confirmed by blocks, 0 if none */
	bool started; /* cur lasted min_on_ms: START reported */
	int cur_level;
	uint64_t cur_onset;
	float cur_power; /* its power in edge windows */
	int nq;
	char q[RX_QUEUE + 1];
	int16_t hist[HIST]; /* hist[t & HIST_MASK] = input sample t */
	float hann[FWIN];
	float edge[EMAX]; /* scratch for edge_profile() */
	float complex cum[2][ESPAN + 1];
};

struct gw_dtmf_tx {
	dtmf_tx_state_t *s;
	int level_dbm0;
	int twist_db;
	int on_ms;
	int off_ms;
	long owed_samples; /* samples of tone + pause still to be written */
};

#define SUP_EVENTS 16
#define SUP_MUTES 8
#define SUP_GUARD (5 * SAMPLES_PER_MS)
/* Delays below this (ms) mute early, on candidate windows. */
#define SUP_FAST_MS 30
/* An unconfirmed early mute ends at the first window without a candidate
 * at least this long after the last one, once the receiver is quiet. */
#define SUP_HOLD CAND_HOP

struct mute {
	uint64_t from; /* first muted input sample */
	uint64_t to;   /* first sample after; UINT64_MAX while open */
};

struct gw_dtmf_suppress {
	struct gw_dtmf_rx *rx;
	int delay;	/* samples */
	int16_t *line;	/* delay ring; NULL for delay 0 */
	int idx;
	uint64_t pos;	  /* input samples taken */
	uint64_t emitted; /* input position of the next output sample + 1 */
	int nmute;
	struct mute mute[SUP_MUTES];
	int nev;
	struct gw_dtmf_event ev[SUP_EVENTS];
	uint64_t leaked;
	/* early mute (delay < SUP_FAST_MS) */
	bool fast;
	bool early_open;
	uint64_t early_from; /* first input sample it mutes */
	uint64_t early_out;  /* ... that was still in the line when it opened */
	uint64_t last_cand;  /* end of the last candidate window */
	char digit;	     /* last confirmed digit, 0 if none */
	bool digit_on;	     /* between its START and END */
	uint64_t digit_end;  /* its end + guard */
};

/* ------------------------------------------------------------------ */
/* Receiver                                                            */

void gw_dtmf_rx_params_default(struct gw_dtmf_rx_params *p)
{
	p->filter_dialtone = false;
	p->twist_db = 10;
	p->reverse_twist_db = 6;
	p->min_level_dbm0 = -42;
	p->max_freq_dev_permille = 25;
	p->min_on_ms = 25;
}

static int hist_at(const struct gw_dtmf_rx *rx, uint64_t t)
{
	return rx->hist[t & HIST_MASK];
}

static void digit_freqs(char digit, float *lo, float *hi)
{
	const char *p = strchr(digit_map, digit);
	int i = p ? (int)(p - digit_map) : 0;

	*lo = row_hz[i / 4];
	*hi = col_hz[i % 4];
}

/* Frequency error (Hz) of a tone near f in the last FSPAN samples. */
static float freq_error_hz(const struct gw_dtmf_rx *rx, float f)
{
	float w = 2.0f * (float)M_PI * f / SAMPLE_RATE;
	float complex step = cexpf(-I * w);
	float complex acc = 0.0f, prev = 0.0f;
	uint64_t base = rx->pos - FSPAN;

	for (int k = 0; k < 3; k++) {
		float complex x = 0.0f, ph = 1.0f;
		uint64_t t0 = base + (uint64_t)(k * FHOP);

		for (int n = 0; n < FWIN; n++) {
			x += rx->hann[n] * (float)hist_at(rx, t0 + n) * ph;
			ph *= step;
		}
		if (k > 0)
			acc += x * conjf(prev);
		prev = x;
	}
	acc *= cexpf(-I * w * FHOP);
	return cargf(acc) * SAMPLE_RATE / (2.0f * (float)M_PI * FHOP);
}

static bool freq_ok(const struct gw_dtmf_rx *rx, char digit)
{
	float lo, hi, lim = rx->p.max_freq_dev_permille / 1000.0f;

	if (rx->p.max_freq_dev_permille <= 0 || rx->pos < FSPAN)
		return true;
	digit_freqs(digit, &lo, &hi);
	return fabsf(freq_error_hz(rx, lo)) <= lim * lo &&
	       fabsf(freq_error_hz(rx, hi)) <= lim * hi;
}

/*
 * Power at the digit's frequencies in windows of EWIN samples, hop EHOP,
 * over the last `span` samples; window k starts at pos - span + k * EHOP.
 * Returns the number of windows written to rx->edge.
 */
static int edge_profile(struct gw_dtmf_rx *rx, char digit, int span)
{
	float f[2];
	uint64_t base = rx->pos - (uint64_t)span;
	int nwin = (span - EWIN) / EHOP + 1;

	digit_freqs(digit, &f[0], &f[1]);
	for (int j = 0; j < 2; j++) {
		float complex step = cexpf(-I * 2.0f * (float)M_PI * f[j] /
					   SAMPLE_RATE);
		float complex ph = 1.0f;

		rx->cum[j][0] = 0.0f;
		for (int n = 0; n < span; n++) {
			rx->cum[j][n + 1] = rx->cum[j][n] +
					    (float)hist_at(rx, base + n) * ph;
			ph *= step;
		}
	}
	for (int k = 0; k < nwin; k++) {
		int a = k * EHOP, b = a + EWIN;
		float complex x0 = rx->cum[0][b] - rx->cum[0][a];
		float complex x1 = rx->cum[1][b] - rx->cum[1][a];

		rx->edge[k] = crealf(x0 * conjf(x0)) + crealf(x1 * conjf(x1));
	}
	return nwin;
}

static int span_now(const struct gw_dtmf_rx *rx)
{
	return rx->pos < ESPAN ? (int)(rx->pos / EHOP * EHOP) : ESPAN;
}

/* Onset of a just-confirmed tone; sets rx->cur_power. */
static uint64_t find_onset(struct gw_dtmf_rx *rx, char digit)
{
	int span = span_now(rx);
	uint64_t base = rx->pos - (uint64_t)span;
	int nwin, k, top;
	float ref, frac;

	rx->cur_power = 0.0f;
	if (span < EWIN)
		return base;
	nwin = edge_profile(rx, digit, span);
	/* The last block was a hit: the tone's power is the strongest
	 * window ending in it. */
	top = nwin - 1;
	for (k = nwin - 1 - (RX_BLOCK - EWIN) / EHOP; k < nwin - 1; k++)
		if (k >= 0 && rx->edge[k] > rx->edge[top])
			top = k;
	ref = rx->edge[top];
	rx->cur_power = ref;
	for (k = top; k >= 0; k--)
		if (rx->edge[k] < EDGE_OFF * ref)
			break;
	if (k < 0 || ref <= 0.0f)
		return base;
	/* Window k is less than half covered; the tone covers its end. */
	frac = sqrtf(rx->edge[k] / ref);
	if (frac > 1.0f)
		frac = 1.0f;
	return base + (uint64_t)(k * EHOP) +
	       (uint64_t)lrintf(EWIN * (1.0f - frac));
}

/*
 * End (first sample after) of the current tone as far as seen; *on tells
 * whether it still covers the newest window.
 */
static uint64_t find_end(struct gw_dtmf_rx *rx, char digit, bool *on)
{
	int span = span_now(rx);
	uint64_t base = rx->pos - (uint64_t)span, end;
	float ref = rx->cur_power, frac;
	int nwin, k;

	*on = true;
	if (span < EWIN || ref <= 0.0f)
		return rx->pos;
	nwin = edge_profile(rx, digit, span);
	for (k = nwin - 1; k >= 0; k--)
		if (rx->edge[k] >= EDGE_OFF * ref)
			break;
	*on = k == nwin - 1;
	if (k < 0)
		return base > rx->cur_onset ? base : rx->cur_onset;
	frac = sqrtf(rx->edge[k] / ref);
	if (frac > 1.0f)
		frac = 1.0f;
	end = base + (uint64_t)(k * EHOP) + (uint64_t)lrintf(EWIN * frac);
	return end > rx->cur_onset ? end : rx->cur_onset;
}

static void emit(struct gw_dtmf_rx *rx, enum gw_dtmf_event_type type,
		 char digit, uint64_t sample, int level, int duration)
{
	struct gw_dtmf_event ev = {
		.type = type,
		.digit = digit,
		.sample = sample,
		.reported = rx->pos,
		.level_dbm0 = level,
		.duration_samples = duration,
	};

	if (rx->fn)
		rx->fn(rx->arg, &ev);
}

static void end_current(struct gw_dtmf_rx *rx)
{
	bool on;
	uint64_t end = find_end(rx, rx->cur, &on);

	emit(rx, GW_DTMF_EVENT_END, rx->cur, end, 0,
	     (int)(end - rx->cur_onset));
	rx->cur = 0;
}

/* A confirmed tone counts once it has lasted min_on_ms. */
static void check_pending(struct gw_dtmf_rx *rx)
{
	bool on;
	uint64_t end = find_end(rx, rx->cur, &on);

	if (end - rx->cur_onset >= (uint64_t)rx->p.min_on_ms * SAMPLES_PER_MS) {
		rx->started = true;
		if (rx->nq < RX_QUEUE) {
			rx->q[rx->nq++] = rx->cur;
			rx->q[rx->nq] = '\0';
		}
		emit(rx, GW_DTMF_EVENT_START, rx->cur, rx->cur_onset,
		     rx->cur_level, 0);
	} else if (!on) {
		rx->cur = 0; /* too short: not a digit */
	}
}

/* A confirmed change: digit, or 0 for "stopped"; level_dbm0 of the pair. */
static void on_tone(struct gw_dtmf_rx *rx, char digit, int level_dbm0)
{
	if (rx->cur && rx->started)
		end_current(rx);
	rx->cur = 0;
	if (!digit || !freq_ok(rx, digit))
		return;
	rx->cur = digit;
	rx->started = false;
	rx->cur_level = level_dbm0;
	rx->cur_onset = find_onset(rx, digit);
	check_pending(rx);
}

/* Goertzel power of a sine of level_dbm0 over one block. */
static float block_power(float level_dbm0)
{
	float a = 32768.0f * powf(10.0f, (level_dbm0 - DBM0_MAX_SINE_POWER) /
					     20.0f);

	return (a * RX_BLOCK / 2.0f) * (a * RX_BLOCK / 2.0f);
}

static void apply_params(struct gw_dtmf_rx *rx)
{
	rx->thr = block_power((float)rx->p.min_level_dbm0);
	rx->normal_twist = powf(10.0f, rx->p.twist_db / 10.0f);
	rx->reverse_twist = powf(10.0f, rx->p.reverse_twist_db / 10.0f);
	rx->cthr = block_power((float)(rx->p.min_level_dbm0 - CAND_LEVEL_DB));
	rx->cnormal_twist = powf(10.0f, (rx->p.twist_db + CAND_TWIST_DB) /
					    10.0f);
	rx->creverse_twist = powf(10.0f, (rx->p.reverse_twist_db +
					  CAND_TWIST_DB) / 10.0f);
}

/* Goertzel powers of one bank, which restarts. */
static void bank_power(const float *coef, float *v1, float *v2, float *pw)
{
	for (int i = 0; i < 8; i++) {
		pw[i] = v1[i] * v1[i] + v2[i] * v2[i] - coef[i] * v1[i] * v2[i];
		v1[i] = v2[i] = 0.0f;
	}
}

/*
 * spandsp 0.0.6's tests on a block's powers: both tones at least thr,
 * twist within nt (low over high) and rt (high over low), the other tones
 * of each group REL_PEAK down, the pair holding to_total of the block's
 * energy. Returns the digit or 0; *top is the pair's power.
 */
static char pair_test(const float *pw, float energy, float thr, float nt,
		      float rt, float to_total, float *top)
{
	int r = 0, c = 4, i;

	for (i = 1; i < 4; i++) {
		if (pw[i] > pw[r])
			r = i;
		if (pw[4 + i] > pw[c])
			c = 4 + i;
	}
	*top = pw[r] + pw[c];
	if (pw[r] < thr || pw[c] < thr || pw[c] >= pw[r] * rt ||
	    pw[c] * nt <= pw[r])
		return 0;
	for (i = 0; i < 8; i++)
		if (i != r && i != c &&
		    pw[i] * REL_PEAK > (i < 4 ? pw[r] : pw[c]))
			return 0;
	if (*top <= to_total * RX_BLOCK * energy)
		return 0;
	return digit_map[r * 4 + (c - 4)];
}

/* The candidate test: pair_test() with the relaxed thresholds. */
static char cand_test(const struct gw_dtmf_rx *rx, const float *pw,
		      float energy)
{
	float top;

	return pair_test(pw, energy, rx->cthr, rx->cnormal_twist,
			 rx->creverse_twist, CAND_TO_TOTAL, &top);
}

/* End of a block: spandsp 0.0.6's tests and hit logic. */
static void decide(struct gw_dtmf_rx *rx)
{
	float pw[8], top;
	char hit, cand = 0;
	bool changed = false;

	bank_power(rx->coef, rx->v1, rx->v2, pw);
	hit = pair_test(pw, rx->energy, rx->thr, rx->normal_twist,
			rx->reverse_twist, TO_TOTAL, &top);
	if (rx->cand)
		cand = cand_test(rx, pw, rx->energy);
	/*
	 * -----ABB start of B; ----B-BB start of B; BBBBBABB still B;
	 * BBBBBB-- end of B; BBBBACBB B ends, B starts again; BBBBBBCC B
	 * ends, C starts. Two agreeing blocks change the state.
	 */
	if (hit != rx->in_digit && rx->last_hit != rx->in_digit) {
		hit = (hit && hit == rx->last_hit) ? hit : 0;
		if (rx->in_digit || hit) {
			int level = hit ? (int)lrintf(10.0f * log10f(top /
					(float)(RX_BLOCK * RX_BLOCK / 4) /
					(32768.0f * 32768.0f)) +
					DBM0_MAX_SINE_POWER) : 0;

			on_tone(rx, hit, level);
			changed = true;
		}
		rx->in_digit = hit;
	}
	if (!changed && rx->cur && !rx->started)
		check_pending(rx);
	rx->last_hit = hit;
	rx->energy = 0.0f;
	/* After the hit logic, so that rx_quiet() includes this block. */
	if (rx->cand)
		rx->cand(rx->cand_arg, cand, rx->pos);
}

/* End of the window of candidate bank b (1..CAND_BANKS-1). */
static void cand_window(struct gw_dtmf_rx *rx, int b)
{
	float pw[8];

	bank_power(rx->coef, rx->cv1[b - 1], rx->cv2[b - 1], pw);
	rx->cand(rx->cand_arg, cand_test(rx, pw, rx->cenergy[b - 1]),
		 rx->pos);
	rx->cenergy[b - 1] = 0.0f;
}

/* No digit can start before two more blocks hit. */
static bool rx_quiet(const struct gw_dtmf_rx *rx)
{
	return !rx->cur && !rx->in_digit && !rx->last_hit;
}

int gw_dtmf_rx_alloc(struct gw_dtmf_rx **ret)
{
	struct gw_dtmf_rx *rx;

	rx = calloc(1, sizeof(*rx));
	if (!rx)
		return -ENOMEM;
	for (int n = 0; n < FWIN; n++)
		rx->hann[n] = 0.5f - 0.5f * cosf(2.0f * (float)M_PI *
						  (n + 0.5f) / FWIN);
	for (int i = 0; i < 8; i++)
		rx->coef[i] = 2.0f * cosf(2.0f * (float)M_PI *
					  (i < 4 ? row_hz[i] : col_hz[i - 4]) /
					  SAMPLE_RATE);
	gw_dtmf_rx_params_default(&rx->p);
	apply_params(rx);
	gw_dtmf_rx_reset(rx);
	*ret = rx;
	return 0;
}

void gw_dtmf_rx_free(struct gw_dtmf_rx *rx)
{
	free(rx);
}

void gw_dtmf_rx_reset(struct gw_dtmf_rx *rx)
{
	memset(rx->v1, 0, sizeof(rx->v1));
	memset(rx->v2, 0, sizeof(rx->v2));
	memset(rx->z350, 0, sizeof(rx->z350));
	memset(rx->z440, 0, sizeof(rx->z440));
	rx->energy = 0.0f;
	memset(rx->cv1, 0, sizeof(rx->cv1));
	memset(rx->cv2, 0, sizeof(rx->cv2));
	memset(rx->cenergy, 0, sizeof(rx->cenergy));
	rx->phase = 0;
	rx->last_hit = 0;
	rx->in_digit = 0;
	rx->pos = 0;
	rx->cur = 0;
	rx->nq = 0;
	rx->q[0] = '\0';
	memset(rx->hist, 0, sizeof(rx->hist));
}

int gw_dtmf_rx_set_params(struct gw_dtmf_rx *rx,
			  const struct gw_dtmf_rx_params *p)
{
	if (p->twist_db < 0 || p->twist_db > 20 || p->reverse_twist_db < 0 ||
	    p->reverse_twist_db > 20 || p->min_level_dbm0 < -60 ||
	    p->min_level_dbm0 > 0 || p->max_freq_dev_permille < 0 ||
	    p->max_freq_dev_permille > 100 || p->min_on_ms < 0 ||
	    p->min_on_ms > 40)
		return -EINVAL;
	if (p->filter_dialtone != rx->p.filter_dialtone) {
		memset(rx->z350, 0, sizeof(rx->z350));
		memset(rx->z440, 0, sizeof(rx->z440));
	}
	rx->p = *p;
	apply_params(rx);
	return 0;
}

void gw_dtmf_rx_set_event_handler(struct gw_dtmf_rx *rx, gw_dtmf_event_fn fn,
				  void *arg)
{
	rx->fn = fn;
	rx->arg = arg;
}

/* One sample into the staggered candidate banks. */
/* Report candidate windows to fn (NULL: stop; the banks restart). */
static void rx_set_cand(struct gw_dtmf_rx *rx, cand_fn fn, void *arg)
{
	rx->cand = fn;
	rx->cand_arg = arg;
	memset(rx->cv1, 0, sizeof(rx->cv1));
	memset(rx->cv2, 0, sizeof(rx->cv2));
	memset(rx->cenergy, 0, sizeof(rx->cenergy));
}

/*
 * n samples that end no block or window: the notches, the history, and
 * every bank's energy and Goertzel recurrences, with the state in local
 * arrays (the compiler keeps them in vector registers; through rx it would
 * load and store all of them for each sample). banks is 1 (the block
 * detector) or CAND_BANKS (with the candidate banks); the arithmetic of
 * each lane is that of the plain loop, so the results are the same.
 */
static inline __attribute__((always_inline)) void
rx_run(struct gw_dtmf_rx *rx, const int16_t *amp, int n, const int banks)
{
	float v1[CAND_BANKS * 8], v2[CAND_BANKS * 8], c[CAND_BANKS * 8];
	float e[CAND_BANKS];
	uint64_t pos = rx->pos;

	for (int b = 0; b < banks; b++) {
		for (int k = 0; k < 8; k++) {
			c[b * 8 + k] = rx->coef[k];
			v1[b * 8 + k] = b ? rx->cv1[b - 1][k] : rx->v1[k];
			v2[b * 8 + k] = b ? rx->cv2[b - 1][k] : rx->v2[k];
		}
		e[b] = b ? rx->cenergy[b - 1] : rx->energy;
	}
	for (int i = 0; i < n; i++) {
		float x = amp[i];

		if (rx->p.filter_dialtone) {
			/* spandsp's high-Q notches at 350 Hz and 440 Hz */
			float v = 0.98356f * x + 1.8954426f * rx->z350[0] -
				  0.9691396f * rx->z350[1];

			x = v - 1.9251480f * rx->z350[0] + rx->z350[1];
			rx->z350[1] = rx->z350[0];
			rx->z350[0] = v;
			v = 0.98456f * x + 1.8529543f * rx->z440[0] -
			    0.9691396f * rx->z440[1];
			x = v - 1.8819938f * rx->z440[0] + rx->z440[1];
			rx->z440[1] = rx->z440[0];
			rx->z440[0] = v;
		}
		/* History holds what the detector saw (notched, if so). */
		rx->hist[pos++ & HIST_MASK] =
			(int16_t)(x > 32767.0f ? 32767.0f :
				  x < -32768.0f ? -32768.0f : x);
		for (int b = 0; b < banks; b++)
			e[b] += x * x;
		for (int k = 0; k < banks * 8; k++) {
			float v0 = c[k] * v1[k] - v2[k] + x;

			v2[k] = v1[k];
			v1[k] = v0;
		}
	}
	rx->pos = pos;
	for (int b = 0; b < banks; b++) {
		for (int k = 0; k < 8; k++) {
			if (b) {
				rx->cv1[b - 1][k] = v1[b * 8 + k];
				rx->cv2[b - 1][k] = v2[b * 8 + k];
			} else {
				rx->v1[k] = v1[k];
				rx->v2[k] = v2[k];
			}
		}
		if (b)
			rx->cenergy[b - 1] = e[b];
		else
			rx->energy = e[0];
	}
}

void gw_dtmf_rx_process(struct gw_dtmf_rx *rx, const int16_t *amp,
			int samples)
{
	while (samples > 0) {
		/* up to the end of the block, or of a candidate window */
		int n = RX_BLOCK - rx->phase;

		if (rx->cand && n > CAND_HOP - rx->phase % CAND_HOP)
			n = CAND_HOP - rx->phase % CAND_HOP;
		if (n > samples)
			n = samples;
		if (rx->cand)
			rx_run(rx, amp, n, CAND_BANKS);
		else
			rx_run(rx, amp, n, 1);
		amp += n;
		samples -= n;
		rx->phase += n;
		if (rx->phase == RX_BLOCK) {
			rx->phase = 0;
			decide(rx);
		} else if (rx->cand && rx->phase % CAND_HOP == 0) {
			cand_window(rx, rx->phase / CAND_HOP);
		}
	}
}

int gw_dtmf_rx_get(struct gw_dtmf_rx *rx, char *buf, int max)
{
	int n;

	if (max <= 0)
		return 0;
	n = rx->nq < max - 1 ? rx->nq : max - 1;
	memcpy(buf, rx->q, (size_t)n);
	buf[n] = '\0';
	memmove(rx->q, rx->q + n, (size_t)(rx->nq - n) + 1);
	rx->nq -= n;
	return n;
}

/* ------------------------------------------------------------------ */
/* Transmitter                                                         */

static int valid_ms(int ms)
{
	return ms >= 0 && ms <= 10000;
}

static int valid_tx(int level_dbm0, int twist_db, int on_ms, int off_ms)
{
	int hi = level_dbm0 + twist_db;

	/* A tone pair must fit 16 bits: each tone at most -3 dBm0. */
	return level_dbm0 >= -60 && level_dbm0 <= -3 && hi >= -60 &&
	       hi <= -3 && twist_db >= -10 && twist_db <= 10 &&
	       valid_ms(on_ms) && on_ms > 0 && valid_ms(off_ms);
}

int gw_dtmf_tx_alloc(struct gw_dtmf_tx **ret, int level_dbm0, int on_ms,
		     int off_ms)
{
	struct gw_dtmf_tx *tx;

	if (!valid_tx(level_dbm0, 0, on_ms, off_ms))
		return -EINVAL;
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return -ENOMEM;
	tx->s = dtmf_tx_init(NULL);
	if (!tx->s) {
		free(tx);
		return -ENOMEM;
	}
	tx->level_dbm0 = level_dbm0;
	tx->twist_db = 0;
	tx->on_ms = on_ms;
	tx->off_ms = off_ms;
	gw_dtmf_tx_reset(tx);
	*ret = tx;
	return 0;
}

void gw_dtmf_tx_free(struct gw_dtmf_tx *tx)
{
	if (!tx)
		return;
	if (tx->s)
		dtmf_tx_free(tx->s);
	free(tx);
}

void gw_dtmf_tx_reset(struct gw_dtmf_tx *tx)
{
	/* In place: dtmf_tx_init() on existing storage does not allocate. */
	dtmf_tx_init(tx->s);
	dtmf_tx_set_level(tx->s, tx->level_dbm0, tx->twist_db);
	dtmf_tx_set_timing(tx->s, tx->on_ms, tx->off_ms);
	tx->owed_samples = 0;
}

int gw_dtmf_tx_set(struct gw_dtmf_tx *tx, int level_dbm0, int twist_db,
		   int on_ms, int off_ms)
{
	if (!valid_tx(level_dbm0, twist_db, on_ms, off_ms))
		return -EINVAL;
	if (gw_dtmf_tx_busy(tx))
		return -EBUSY;
	tx->level_dbm0 = level_dbm0;
	tx->twist_db = twist_db;
	tx->on_ms = on_ms;
	tx->off_ms = off_ms;
	dtmf_tx_set_level(tx->s, level_dbm0, twist_db);
	dtmf_tx_set_timing(tx->s, on_ms, off_ms);
	return 0;
}

int gw_dtmf_tx_put(struct gw_dtmf_tx *tx, const char *digits)
{
	size_t len = strlen(digits);
	size_t i;

	for (i = 0; i < len; i++)
		if (!strchr(digit_map, digits[i]))
			return -EINVAL;
	if (len == 0)
		return 0;
	if (len > MAX_DTMF_DIGITS)
		return -ENOSPC;
	/* spandsp loads the whole string or, when it does not fit, nothing
	 * and returns the number of digits that did not fit. */
	if (dtmf_tx_put(tx->s, digits, (int)len) != 0)
		return -ENOSPC;
	tx->owed_samples += (long)len * (tx->on_ms + tx->off_ms) *
			    SAMPLES_PER_MS;
	return 0;
}

int gw_dtmf_tx_process(struct gw_dtmf_tx *tx, int16_t *amp, int samples)
{
	int n;

	if (samples <= 0)
		return 0;
	n = dtmf_tx(tx->s, amp, samples);
	if (n < 0)
		n = 0;
	if (n < samples) {
		memset(amp + n, 0, (size_t)(samples - n) * sizeof(*amp));
		tx->owed_samples = 0; /* spandsp ran dry: nothing is owed */
	} else {
		tx->owed_samples -= n;
		if (tx->owed_samples < 0)
			tx->owed_samples = 0;
	}
	return n;
}

bool gw_dtmf_tx_busy(struct gw_dtmf_tx *tx)
{
	return tx->owed_samples > 0;
}

/* ------------------------------------------------------------------ */
/* Suppressor                                                          */

/* Add a mute; when the list is full, widen the newest over it. */
static void add_mute(struct gw_dtmf_suppress *s, uint64_t from, uint64_t to)
{
	struct mute *m;

	if (s->nmute == SUP_MUTES) {
		/* Cannot happen with 8 and 16 ms digits in a 100 ms line. */
		m = &s->mute[s->nmute - 1];
		if (from < m->from)
			m->from = from;
		if (to > m->to)
			m->to = to;
		return;
	}
	s->mute[s->nmute].from = from;
	s->mute[s->nmute].to = to;
	s->nmute++;
}

/* End the open early mute at input sample to (exclusive). */
static void early_close(struct gw_dtmf_suppress *s, uint64_t to)
{
	if (!s->early_open)
		return;
	s->early_open = false;
	if (to > s->early_from)
		add_mute(s, s->early_from, to);
}

static void sup_event(void *arg, const struct gw_dtmf_event *ev)
{
	struct gw_dtmf_suppress *s = arg;

	if (s->nev < SUP_EVENTS)
		s->ev[s->nev++] = *ev;
	if (ev->type == GW_DTMF_EVENT_START) {
		uint64_t from = ev->sample > SUP_GUARD ? ev->sample - SUP_GUARD
						       : 0;
		/* Tone that left before this call, less what an early mute
		 * still open caught. */
		uint64_t out = s->emitted;

		if (s->early_open && s->early_out < out)
			out = s->early_out;
		if (ev->sample < out)
			s->leaked += out - ev->sample;
		early_close(s, ev->reported);
		add_mute(s, from, UINT64_MAX);
		s->digit = ev->digit;
		s->digit_on = true;
		return;
	}
	for (int i = 0; i < s->nmute; i++)
		if (s->mute[i].to == UINT64_MAX)
			s->mute[i].to = ev->sample + SUP_GUARD;
	s->digit_on = false;
	s->digit_end = ev->sample + SUP_GUARD;
}

/*
 * A candidate window [end - RX_BLOCK, end) of the receiver (digit) or a
 * window without one (0). A candidate opens the early mute from the
 * window's start - guard, or from the oldest sample still in the line;
 * it stays open while candidates continue and the receiver may still
 * confirm a digit, and until that digit's START (which mutes from its
 * onset on its own).
 */
static void sup_cand(void *arg, char digit, uint64_t end)
{
	struct gw_dtmf_suppress *s = arg;

	if (digit && digit == s->digit &&
	    (s->digit_on || end - RX_BLOCK < s->digit_end))
		digit = 0; /* the confirmed digit or its tail: muted already */
	if (digit) {
		s->last_cand = end;
		if (!s->early_open) {
			s->early_open = true;
			s->early_from = end > RX_BLOCK + SUP_GUARD ?
						end - RX_BLOCK - SUP_GUARD :
						0;
			s->early_out = s->early_from > s->emitted ?
					       s->early_from :
					       s->emitted;
		}
		return;
	}
	if (s->early_open && end - s->last_cand >= SUP_HOLD &&
	    rx_quiet(s->rx))
		early_close(s, end);
}

int gw_dtmf_suppress_alloc(struct gw_dtmf_suppress **ret, int delay_ms)
{
	struct gw_dtmf_suppress *s;
	int err;

	if (delay_ms < 0 || delay_ms > 100)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->delay = delay_ms * SAMPLES_PER_MS;
	s->fast = delay_ms < SUP_FAST_MS;
	if (s->delay) {
		s->line = calloc((size_t)s->delay, sizeof(*s->line));
		if (!s->line) {
			err = -ENOMEM;
			goto fail;
		}
	}
	err = gw_dtmf_rx_alloc(&s->rx);
	if (err)
		goto fail;
	gw_dtmf_rx_set_event_handler(s->rx, sup_event, s);
	if (s->fast)
		rx_set_cand(s->rx, sup_cand, s);
	gw_dtmf_suppress_reset(s);
	*ret = s;
	return 0;
fail:
	gw_dtmf_suppress_free(s);
	return err;
}

void gw_dtmf_suppress_free(struct gw_dtmf_suppress *s)
{
	if (!s)
		return;
	gw_dtmf_rx_free(s->rx);
	free(s->line);
	free(s);
}

void gw_dtmf_suppress_reset(struct gw_dtmf_suppress *s)
{
	gw_dtmf_rx_reset(s->rx);
	if (s->line)
		memset(s->line, 0, (size_t)s->delay * sizeof(*s->line));
	s->idx = 0;
	s->pos = 0;
	s->emitted = 0;
	s->nmute = 0;
	s->nev = 0;
	s->leaked = 0;
	s->early_open = false;
	s->last_cand = 0;
	s->digit = 0;
	s->digit_on = false;
	s->digit_end = 0;
}

struct gw_dtmf_rx *gw_dtmf_suppress_rx(struct gw_dtmf_suppress *s)
{
	return s->rx;
}

static bool muted(const struct gw_dtmf_suppress *s, uint64_t t)
{
	if (s->early_open && t >= s->early_from)
		return true;
	for (int i = 0; i < s->nmute; i++)
		if (t >= s->mute[i].from && t < s->mute[i].to)
			return true;
	return false;
}

int gw_dtmf_suppress_process(struct gw_dtmf_suppress *s, const int16_t *in,
			     int16_t *out, int n, struct gw_dtmf_event *events,
			     int max)
{
	int nev, j;

	if (n <= 0)
		return 0;
	/* Output sample i of this block is input sample pos + i - delay;
	 * everything before `emitted` has left already. */
	s->emitted = s->pos > (uint64_t)s->delay ? s->pos - s->delay : 0;
	s->nev = 0;
	gw_dtmf_rx_process(s->rx, in, n);

	for (int i = 0; i < n; i++) {
		int16_t x = in[i], y = x;
		uint64_t t = s->pos + (uint64_t)i;

		if (s->delay) {
			y = s->line[s->idx];
			s->line[s->idx] = x;
			if (++s->idx == s->delay)
				s->idx = 0;
		}
		if ((s->nmute || s->early_open) && t >= (uint64_t)s->delay &&
		    muted(s, t - (uint64_t)s->delay))
			y = 0;
		out[i] = y;
	}
	s->pos += (uint64_t)n;

	/* Drop closed mutes whose end has left the delay line. */
	j = 0;
	for (int i = 0; i < s->nmute; i++)
		if (s->mute[i].to == UINT64_MAX ||
		    s->mute[i].to + (uint64_t)s->delay > s->pos)
			s->mute[j++] = s->mute[i];
	s->nmute = j;

	nev = s->nev < max ? s->nev : max;
	for (j = 0; j < nev; j++)
		events[j] = s->ev[j];
	s->nev = 0;
	return nev;
}

uint64_t gw_dtmf_suppress_leaked(const struct gw_dtmf_suppress *s)
{
	return s->leaked;
}
