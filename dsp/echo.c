// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * echo: line echo canceller (see echo.h for what and why).
 *
 * Data layout: the far-end history is a linear float buffer; the window of
 * the current sample is xb[xn - L + 1 .. xn] (oldest first) and the window
 * of the previous sample starts one earlier, so both are plain arrays and
 * the coefficients are stored oldest-lag-last (w[j] pairs with lag L-1-j).
 * When the buffer is full its last L samples move to the front (one memmove
 * every HIST_EXTRA samples).
 *
 * Per sample the inner loop does, in one pass over the taps, the background
 * filter's IPNLMS update with the previous sample's error (which is exactly
 * NLMS: update, then filter), the background output and the foreground
 * output. The loops are blocks of LANES independent partial sums, which
 * GCC vectorizes without -ffast-math (no reassociation needed).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/echo.h"

#define RATE 8000
#define LANES 16
#define TAP_ALIGN 64		/* taps rounded up to this (4 sets of LANES) */
#define HIST_EXTRA 1024
#define FRAME 40		/* 5 ms: copy decisions and statistics */
#define GEIGEL_BLOCK 32		/* |x| maxima kept per block of samples */
#define NBLK_MAX (GW_ECHO_MAX_TAPS / GEIGEL_BLOCK + 1)
#define DT_HANG (40 * RATE / 1000)
#define NLP_RAMP (1.0f / 40)	/* NLP gain change per sample (5 ms) */
#define RELEASE_MS 250		/* G.164: 250 +- 150 ms */
#define RELEASE_DBM0 (-36.0)	/* both paths below this to release */

/* Mean power of a 0 dBm0 signal on the 16-bit scale (see dsp/level.h). */
#define P0DBM0 (16140.6 * 16140.6)
#define DBM0_TO_POWER(db) (P0DBM0 * pow(10.0, (db) / 10.0))

#define MU_FAST 0.7f		/* background step until converged */
#define MU_SLOW 0.35f		/* and after */
#define IPNLMS_ALPHA 0.5f	/* -1 = NLMS ... +1 = PNLMS */
#define GAIN_UPDATE 8		/* adaptations between proportionate gains */
#define ADAPT_EVERY 2		/* background runs every 2nd sample */
#define REGION_CUT 5e-5	/* foreground drops 2 x -43 dB of energy */
#define NOISE_BIAS 1.4		/* minimum statistics read ~1.5 dB low */
#define COPY_MIN_FRAMES 2	/* at most one copy per 10 ms */

typedef void (*adapt_fn)(const float *restrict x, const float *restrict xp,
			 float *restrict wb, const float *restrict g, float k,
			 int n, float *yb, float *gn);
typedef void (*filter2_fn)(const float *restrict x, const float *restrict wb,
			   const float *restrict g, int n, float *yb,
			   float *gn);
typedef float (*dot_fn)(const float *restrict x, const float *restrict w,
			int n);
typedef float (*abssum_fn)(const float *restrict w, int n);
typedef void (*gains_fn)(const float *restrict w, float *restrict g,
			 float a, float b, int n);

struct gw_echo {
	int taps; /* L: a multiple of LANES */
	float *wf; /* foreground (output) filter */
	float *wb; /* background (adapting) filter */
	float *g;  /* IPNLMS gains, mean 1 */
	float *xb; /* far-end history */
	int xcap, xn;
	int fg_lo, fg_len; /* foreground's active region (taps) */
	int phase; /* adaptation runs when phase == 0 */
	int copy_wait; /* frames before the next copy may happen */
	double xe; /* energy of the current window */
	float kpend; /* background step owed with the previous window */
	int gain_count;

	/* send-path high-pass */
	bool hpf_on;
	float hb0, hb1, hb2, ha1, ha2;
	float hx1, hx2, hy1, hy2;

	/* Geigel double-talk detector */
	float blkmax[NBLK_MAX];
	int nblk, blkpos, blkcnt;
	float curmax, tailmax;
	float pe_s, py_s; /* short-term powers of residual and estimate */
	float pb_s, pyb_s; /* the same for the background filter */
	float dt_floor;
	float geigel_thr; /* Geigel threshold once converged (peak gain) */
	int dt_hang;
	int res_hang; /* both filters' residuals high: no copies */

	/* per-frame sums */
	int fpos;
	double fd, fe, fb, fes, fo, fraw, fx; /* fes: fe at background runs */
	bool fdt;
	int bad_frames;
	int dt_frames; /* consecutive frames with double talk */

	/* long-term estimates (mean power per sample) */
	double px, pd, pe, po;
	bool have_stats;
	double pe_slow; /* residual power over about 20 ms */
	double noise; /* its minimum: background (-1 = not known yet) */
	bool converged;
	uint64_t dt_samples;
	uint32_t copies;

	/* NLP and comfort noise */
	bool nlp_on;
	bool nlp_supp;
	float nlp_gain;
	float cng_amp;
	uint32_t rng;

	/* controls */
	bool frozen, bypass, disabler_on;
	enum gw_echo_disabler dis;
	int quiet_frames;
	modem_connect_tones_rx_state_t *tone_rx; /* on rx_line */
	modem_connect_tones_rx_state_t *tone_tx; /* on tx_ref */

	adapt_fn adapt;
	filter2_fn filter2;
	dot_fn dot;
	abssum_fn abssum;
	gains_fn gains;
};

/* ---- vectorizable kernels -------------------------------------------- */

/* Pairwise sum of `sets` (1, 2 or 4) x LANES partial sums, clobbering a. */
static inline float hsum(float (*a2)[LANES], int sets)
{
	float *a = &a2[0][0];

	if (sets >= 4)
		for (int j = 0; j < 2 * LANES; j++)
			a[j] += a[j + 2 * LANES];
	if (sets >= 2)
		for (int j = 0; j < LANES; j++)
			a[j] += a[j + LANES];
	for (int j = 0; j < 8; j++)
		a[j] += a[j + 8];
	for (int j = 0; j < 4; j++)
		a[j] += a[j + 4];
	return (a[0] + a[2]) + (a[1] + a[3]);
}

/*
 * KERNELS(suffix, attributes) defines the inner loops once per target;
 * the bodies are plain C that GCC vectorizes for the target it is given.
 */
#define KERNELS(sfx, attr, SETS)                                               \
	attr static void adapt_##sfx(const float *restrict x,                  \
				     const float *restrict xp,                 \
				     float *restrict wb,                       \
				     const float *restrict g, float k, int n,  \
				     float *yb, float *gn)                     \
	{                                                                      \
		float ab[SETS][LANES] = { 0 }, an[SETS][LANES] = { 0 };        \
		for (int i = 0; i < n; i += SETS * LANES) {                    \
			_Pragma("GCC unroll 4")                                \
			for (int s = 0; s < SETS; s++) {                       \
				for (int j = 0; j < LANES; j++) {              \
					int t = i + s * LANES + j;             \
					float xi = x[t], gi = g[t];            \
					float w = wb[t] + k * gi * xp[t];      \
					wb[t] = w;                             \
					ab[s][j] += w * xi;                    \
					an[s][j] += gi * xi * xi;              \
				}                                              \
			}                                                      \
		}                                                              \
		*yb = hsum(ab, SETS);                                          \
		*gn = hsum(an, SETS);                                          \
	}                                                                      \
	attr static void filter2_##sfx(const float *restrict x,                \
				       const float *restrict wb,               \
				       const float *restrict g, int n,         \
				       float *yb, float *gn)                   \
	{                                                                      \
		float ab[SETS][LANES] = { 0 }, an[SETS][LANES] = { 0 };        \
		for (int i = 0; i < n; i += SETS * LANES) {                    \
			_Pragma("GCC unroll 4")                                \
			for (int s = 0; s < SETS; s++) {                       \
				for (int j = 0; j < LANES; j++) {              \
					int t = i + s * LANES + j;             \
					float xi = x[t];                       \
					ab[s][j] += wb[t] * xi;                \
					an[s][j] += g[t] * xi * xi;            \
				}                                              \
			}                                                      \
		}                                                              \
		*yb = hsum(ab, SETS);                                          \
		*gn = hsum(an, SETS);                                          \
	}                                                                      \
	attr static float dot_##sfx(const float *restrict x,                   \
				    const float *restrict w, int n)            \
	{                                                                      \
		float a[SETS][LANES] = { 0 };                                  \
		for (int i = 0; i < n; i += SETS * LANES) {                    \
			_Pragma("GCC unroll 4")                                \
			for (int s = 0; s < SETS; s++)                         \
				for (int j = 0; j < LANES; j++)                \
					a[s][j] += w[i + s * LANES + j] *      \
						   x[i + s * LANES + j];       \
		}                                                              \
		return hsum(a, SETS);                                          \
	}                                                                      \
	attr static float abssum_##sfx(const float *restrict w, int n)         \
	{                                                                      \
		float a[1][LANES] = { 0 };                                     \
		for (int i = 0; i < n; i += LANES)                             \
			for (int j = 0; j < LANES; j++)                        \
				a[0][j] += fabsf(w[i + j]);                    \
		return hsum(a, 1);                                             \
	}                                                                      \
	attr static void gains_##sfx(const float *restrict w,                  \
				     float *restrict g, float a, float b,      \
				     int n)                                    \
	{                                                                      \
		for (int i = 0; i < n; i += LANES)                             \
			for (int j = 0; j < LANES; j++)                        \
				g[i + j] = a + b * fabsf(w[i + j]);            \
	}

KERNELS(generic, , 1)
#if defined(__x86_64__) && defined(__GNUC__)
KERNELS(avx2, __attribute__((target("avx2,fma"))), 2)
KERNELS(avx512, __attribute__((target("avx512f,avx512vl,avx2,fma"))), 4)
#endif

static void pick_kernels(struct gw_echo *ec)
{
	ec->adapt = adapt_generic;
	ec->filter2 = filter2_generic;
	ec->dot = dot_generic;
	ec->abssum = abssum_generic;
	ec->gains = gains_generic;
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("fma")) {
		ec->adapt = adapt_avx512;
		ec->filter2 = filter2_avx512;
		ec->dot = dot_avx512;
		ec->abssum = abssum_avx512;
		ec->gains = gains_avx512;
	} else if (__builtin_cpu_supports("avx2") &&
		   __builtin_cpu_supports("fma")) {
		ec->adapt = adapt_avx2;
		ec->filter2 = filter2_avx2;
		ec->dot = dot_avx2;
		ec->abssum = abssum_avx2;
		ec->gains = gains_avx2;
	}
#endif
}

/* ---- helpers ------------------------------------------------------------ */

static float *falloc(int n)
{
	size_t bytes = ((size_t)n * sizeof(float) + 63) & ~(size_t)63;
	float *p = aligned_alloc(64, bytes);

	if (p)
		memset(p, 0, bytes);
	return p;
}

static float pow_db(double p)
{
	return p > 0.0 ? (float)(10.0 * log10(p)) : -99.0f;
}

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static int16_t sat16(float v)
{
	if (v > 32767.0f)
		return 32767;
	if (v < -32768.0f)
		return -32768;
	return (int16_t)lrintf(v);
}

static void tone_report(void *user_data, int code, int level, int delay)
{
	struct gw_echo *ec = user_data;

	(void)level;
	(void)delay;
	if (!ec->disabler_on)
		return;
	switch (code) {
	case MODEM_CONNECT_TONES_ANS:
	case MODEM_CONNECT_TONES_ANSAM:
		if (ec->dis == GW_ECHO_DISABLER_IDLE)
			ec->dis = GW_ECHO_DISABLER_NLP_OFF;
		ec->quiet_frames = 0;
		break;
	case MODEM_CONNECT_TONES_ANS_PR:
	case MODEM_CONNECT_TONES_ANSAM_PR:
		ec->dis = GW_ECHO_DISABLER_BYPASS;
		ec->quiet_frames = 0;
		break;
	default:
		/* tone end: release waits for quiet (frame_end) */
		break;
	}
}

static void hpf_design(struct gw_echo *ec)
{
	/* RBJ biquad, 2nd-order Butterworth high-pass at 100 Hz. */
	double w0 = 2.0 * M_PI * 100.0 / RATE, c = cos(w0);
	double alpha = sin(w0) / (2.0 * M_SQRT1_2), a0 = 1.0 + alpha;

	ec->hb0 = (float)((1.0 + c) / 2.0 / a0);
	ec->hb1 = (float)(-(1.0 + c) / a0);
	ec->hb2 = ec->hb0;
	ec->ha1 = (float)(-2.0 * c / a0);
	ec->ha2 = (float)((1.0 - alpha) / a0);
}

static float hpf(struct gw_echo *ec, float x)
{
	float y = ec->hb0 * x + ec->hb1 * ec->hx1 + ec->hb2 * ec->hx2 -
		  ec->ha1 * ec->hy1 - ec->ha2 * ec->hy2;

	if (fabsf(y) < 1e-10f)
		y = 0.0f; /* no denormals in silence */
	ec->hx2 = ec->hx1;
	ec->hx1 = x;
	ec->hy2 = ec->hy1;
	ec->hy1 = y;
	return y;
}

static void state_reset(struct gw_echo *ec)
{
	int L = ec->taps;

	memset(ec->wf, 0, sizeof(float) * (size_t)L);
	memset(ec->wb, 0, sizeof(float) * (size_t)L);
	for (int i = 0; i < L; i++)
		ec->g[i] = 1.0f;
	memset(ec->xb, 0, sizeof(float) * (size_t)ec->xcap);
	ec->xn = L + ADAPT_EVERY - 1; /* windows start at xb[ADAPT_EVERY] */
	ec->fg_lo = 0;
	ec->fg_len = L;
	ec->phase = 0;
	ec->copy_wait = 0;
	ec->xe = 0.0;
	ec->kpend = 0.0f;
	ec->gain_count = 0;
	ec->hx1 = ec->hx2 = ec->hy1 = ec->hy2 = 0.0f;
	memset(ec->blkmax, 0, sizeof(ec->blkmax));
	ec->blkpos = ec->blkcnt = 0;
	ec->curmax = ec->tailmax = 0.0f;
	ec->pe_s = ec->py_s = 0.0f;
	ec->pb_s = ec->pyb_s = 0.0f;
	ec->dt_floor = 0.0f;
	ec->geigel_thr = 1.0f;
	ec->dt_hang = 0;
	ec->res_hang = 0;
	ec->fpos = 0;
	ec->fd = ec->fe = ec->fb = ec->fes = ec->fo = ec->fraw = ec->fx = 0.0;
	ec->fdt = false;
	ec->bad_frames = 0;
	ec->dt_frames = 0;
	ec->px = ec->pd = ec->pe = ec->po = 0.0;
	ec->have_stats = false;
	ec->noise = -1.0; /* unknown */
	ec->pe_slow = -1.0;
	ec->converged = false;
	ec->dt_samples = 0;
	ec->copies = 0;
	ec->nlp_supp = false;
	ec->nlp_gain = 1.0f;
	ec->cng_amp = 0.0f;
	ec->rng = 0x2545f491u;
	ec->dis = GW_ECHO_DISABLER_IDLE;
	ec->quiet_frames = 0;
	if (ec->tone_rx)
		modem_connect_tones_rx_init(ec->tone_rx,
					    MODEM_CONNECT_TONES_ANS_PR,
					    tone_report, ec);
	if (ec->tone_tx)
		modem_connect_tones_rx_init(ec->tone_tx,
					    MODEM_CONNECT_TONES_ANS_PR,
					    tone_report, ec);
}

/* ---- API ---------------------------------------------------------------- */

int gw_echo_alloc(struct gw_echo **ret, int tail_taps)
{
	struct gw_echo *ec;
	int L;

	if (!ret || tail_taps < 1 || tail_taps > GW_ECHO_MAX_TAPS)
		return -EINVAL;
	L = (tail_taps + TAP_ALIGN - 1) / TAP_ALIGN * TAP_ALIGN;
	ec = calloc(1, sizeof(*ec));
	if (!ec)
		return -ENOMEM;
	ec->taps = L;
	ec->xcap = L + ADAPT_EVERY + HIST_EXTRA;
	ec->nblk = (L + GEIGEL_BLOCK - 1) / GEIGEL_BLOCK;
	ec->wf = falloc(L);
	ec->wb = falloc(L);
	ec->g = falloc(L);
	ec->xb = falloc(ec->xcap + LANES);
	ec->tone_rx = modem_connect_tones_rx_init(
		NULL, MODEM_CONNECT_TONES_ANS_PR, tone_report, ec);
	ec->tone_tx = modem_connect_tones_rx_init(
		NULL, MODEM_CONNECT_TONES_ANS_PR, tone_report, ec);
	if (!ec->wf || !ec->wb || !ec->g || !ec->xb || !ec->tone_rx ||
	    !ec->tone_tx) {
		gw_echo_free(ec);
		return -ENOMEM;
	}
	pick_kernels(ec);
	hpf_design(ec);
	ec->hpf_on = true;
	ec->nlp_on = true;
	ec->disabler_on = true;
	state_reset(ec);
	*ret = ec;
	return 0;
}

void gw_echo_free(struct gw_echo *ec)
{
	if (!ec)
		return;
	if (ec->tone_rx)
		modem_connect_tones_rx_free(ec->tone_rx);
	if (ec->tone_tx)
		modem_connect_tones_rx_free(ec->tone_tx);
	free(ec->wf);
	free(ec->wb);
	free(ec->g);
	free(ec->xb);
	free(ec);
}

void gw_echo_set_nlp(struct gw_echo *ec, bool on)
{
	ec->nlp_on = on;
}

void gw_echo_set_freeze(struct gw_echo *ec, bool frozen)
{
	ec->frozen = frozen;
	if (frozen)
		ec->kpend = 0.0f;
}

void gw_echo_set_bypass(struct gw_echo *ec, bool bypass)
{
	ec->bypass = bypass;
}

void gw_echo_set_hpf(struct gw_echo *ec, bool on)
{
	ec->hpf_on = on;
}

void gw_echo_set_tone_disabler(struct gw_echo *ec, bool on)
{
	ec->disabler_on = on;
	if (!on)
		ec->dis = GW_ECHO_DISABLER_IDLE;
}

void gw_echo_reset(struct gw_echo *ec)
{
	state_reset(ec);
}

const char *gw_echo_disabler_name(enum gw_echo_disabler d)
{
	switch (d) {
	case GW_ECHO_DISABLER_IDLE:
		return "idle";
	case GW_ECHO_DISABLER_NLP_OFF:
		return "nlp-off";
	case GW_ECHO_DISABLER_BYPASS:
		return "bypass";
	}
	return "?";
}

void gw_echo_get_stats(const struct gw_echo *ec, struct gw_echo_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->tail_taps = ec->taps;
	if (ec->have_stats) {
		st->erl_db = pow_db(ec->px / (ec->pd + 1e-3));
		st->erle_db = pow_db(ec->pd / (ec->pe + 1e-3));
		st->erle_nlp_db = pow_db(ec->pd / (ec->po + 1e-3));
	}
	st->noise_dbm0 = ec->noise > 0.0 ?
			 pow_db(NOISE_BIAS * ec->noise / P0DBM0) : -99.0f;
	st->doubletalk_ms = (uint32_t)(ec->dt_samples / (RATE / 1000));
	st->copies = ec->copies;
	st->converged = ec->converged;
	st->nlp_active = ec->nlp_supp;
	st->disabler = ec->dis;
}

/* ---- processing ------------------------------------------------------- */

static void update_gains(struct gw_echo *ec)
{
	/*
	 * IPNLMS: g_i = (1 - a)/2 + (1 + a) L |w_i| / (2 sum|w| + eps),
	 * i.e. L times Benesty & Gay's gains, so that mean(g) = 1 and the
	 * normalisation by |x|^2 stays that of NLMS.
	 */
	int L = ec->taps;
	float s = ec->abssum(ec->wb, L);
	float a = (1.0f - IPNLMS_ALPHA) / 2.0f;
	float b = (1.0f + IPNLMS_ALPHA) * (float)L / (2.0f * s + 1e-6f);

	ec->gains(ec->wb, ec->g, a, b, L);
}

/*
 * Background -> foreground. The foreground then runs over the region
 * holding all but 2 x REGION_CUT of the response's energy (rounded out to
 * TAP_ALIGN): the bulk delay before it and the tail after it cost nothing.
 */
static void copy_to_foreground(struct gw_echo *ec)
{
	const int L = ec->taps;
	double total = 0.0, cut, acc;
	int lo, hi;

	memcpy(ec->wf, ec->wb, sizeof(float) * (size_t)L);
	ec->copies++;
	ec->copy_wait = COPY_MIN_FRAMES;
	total = ec->dot(ec->wf, ec->wf, L);
	cut = total * REGION_CUT;
	for (lo = 0, acc = 0.0; lo < L; lo++) {
		acc += (double)ec->wf[lo] * ec->wf[lo];
		if (acc > cut)
			break;
	}
	for (hi = L, acc = 0.0; hi > lo; hi--) {
		acc += (double)ec->wf[hi - 1] * ec->wf[hi - 1];
		if (acc > cut)
			break;
	}
	lo = lo / TAP_ALIGN * TAP_ALIGN;
	hi = (hi + TAP_ALIGN - 1) / TAP_ALIGN * TAP_ALIGN;
	if (hi <= lo)
		hi = lo + TAP_ALIGN > L ? L : lo + TAP_ALIGN;
	if (hi - lo < TAP_ALIGN)
		lo = hi - TAP_ALIGN;
	ec->fg_lo = lo;
	ec->fg_len = hi - lo;
}

static void frame_end(struct gw_echo *ec)
{
	const int L = ec->taps;
	double pd = ec->fd / FRAME, pe = ec->fe / FRAME, po = ec->fo / FRAME;
	double px = ec->xe / L;
	bool far = px > DBM0_TO_POWER(-45.0);

	/*
	 * Two-path control: background -> foreground, or reset background.
	 * Double talk that lasts 2 s with a background 6 dB better than the
	 * foreground is an echo path change: copy and learn again.
	 */
	ec->dt_frames = ec->fdt ? ec->dt_frames + 1 : 0;
	if (ec->dt_frames >= 2 * RATE / FRAME && ec->fb < 0.25 * ec->fes) {
		ec->fdt = false;
		ec->converged = false;
		ec->dt_frames = 0;
	}
	if (!ec->frozen && !ec->bypass && ec->dis != GW_ECHO_DISABLER_BYPASS &&
	    far && !ec->fdt) {
		if (ec->copy_wait > 0) {
			ec->copy_wait--;
		} else if (ec->fb < 0.7 * ec->fes &&
			   ec->fb * ADAPT_EVERY < ec->fd) {
			copy_to_foreground(ec);
			ec->bad_frames = 0;
		} else if (ec->fb > 4.0 * ec->fes && ec->fe < ec->fd) {
			if (++ec->bad_frames >= 8) {
				memcpy(ec->wb, ec->wf,
				       sizeof(float) * (size_t)L);
				ec->kpend = 0.0f;
				ec->bad_frames = 0;
			}
		} else {
			ec->bad_frames = 0;
		}
	}

	/*
	 * Background level: minimum statistics on the residual, rising
	 * only while the far end (and so its echo) is absent.
	 */
	if (ec->pe_slow < 0.0)
		ec->pe_slow = pe;
	else
		ec->pe_slow += 0.25 * (pe - ec->pe_slow);
	if (ec->noise < 0.0) {
		if (!far)
			ec->noise = ec->pe_slow;
	} else if (ec->pe_slow < ec->noise) {
		ec->noise = ec->pe_slow;
	} else if (!far) {
		ec->noise *= 1.0023; /* 2 dB/s */
	}
	if (ec->noise >= 0.0 && ec->noise < DBM0_TO_POWER(-90.0))
		ec->noise = DBM0_TO_POWER(-90.0);
	{
		double n = ec->noise > 0.0 ? NOISE_BIAS * ec->noise : 0.0;

		if (n > DBM0_TO_POWER(-30.0))
			n = DBM0_TO_POWER(-30.0);
		ec->cng_amp = (float)sqrt(3.0 * n);
	}

	/* Long-term figures from frames where only the far end talks. */
	if (far && !ec->fdt && !ec->bypass &&
	    ec->dis != GW_ECHO_DISABLER_BYPASS) {
		const double a = 0.05;

		if (!ec->have_stats) {
			ec->px = px;
			ec->pd = pd;
			ec->pe = pe;
			ec->po = po;
			ec->have_stats = true;
		} else {
			ec->px += a * (px - ec->px);
			ec->pd += a * (pd - ec->pd);
			ec->pe += a * (pe - ec->pe);
			ec->po += a * (po - ec->po);
		}
		/* echo 14 dB down, or down to the noise from 15 dB above */
		ec->converged = ec->copies > 0 &&
				(ec->pe * 25.0 < ec->pd ||
				 (ec->noise > 0.0 && ec->pe < 2.0 * ec->noise &&
				  ec->pd > 30.0 * ec->noise));
	}
	ec->geigel_thr = 1.0f;
	if (ec->have_stats && ec->pd < ec->px)
		ec->geigel_thr = (float)sqrt(ec->pd / ec->px);
	ec->dt_floor = (float)(4.0 * (ec->noise > 0.0 ? ec->noise : 0.0) +
			       DBM0_TO_POWER(-55.0));

	/* Tone disabler release: both directions quiet for RELEASE_MS. */
	if (ec->dis != GW_ECHO_DISABLER_IDLE) {
		double lim = DBM0_TO_POWER(RELEASE_DBM0);

		if (ec->fraw / FRAME < lim && ec->fx / FRAME < lim) {
			if (++ec->quiet_frames * FRAME >=
			    RELEASE_MS * (RATE / 1000))
				ec->dis = GW_ECHO_DISABLER_IDLE;
		} else {
			ec->quiet_frames = 0;
		}
	}

	ec->fpos = 0;
	ec->fd = ec->fe = ec->fb = ec->fes = ec->fo = ec->fraw = ec->fx = 0.0;
	ec->fdt = false;
}

/* Append one far-end sample; returns the window of the current sample. */
static inline const float *push_far(struct gw_echo *ec, float x)
{
	const int L = ec->taps;
	float old, ax;

	if (ec->xn + 1 == ec->xcap) {
		const int keep = L + ADAPT_EVERY;

		memmove(ec->xb, ec->xb + ec->xcap - keep,
			sizeof(float) * (size_t)keep);
		ec->xn = keep - 1;
		/* re-sum now and then: no drift of the running energy */
		ec->xe = 0.0;
		for (int i = ADAPT_EVERY; i < keep; i++)
			ec->xe += (double)ec->xb[i] * ec->xb[i];
	}
	old = ec->xb[ec->xn + 1 - L];
	ec->xb[++ec->xn] = x;
	ec->xe += (double)x * x - (double)old * old;
	if (ec->xe < 0.0)
		ec->xe = 0.0;

	ax = fabsf(x);
	if (ax > ec->curmax)
		ec->curmax = ax;
	if (++ec->blkcnt == GEIGEL_BLOCK) {
		float m = 0.0f;

		ec->blkmax[ec->blkpos] = ec->curmax;
		if (++ec->blkpos == ec->nblk)
			ec->blkpos = 0;
		for (int i = 0; i < ec->nblk; i++)
			if (ec->blkmax[i] > m)
				m = ec->blkmax[i];
		ec->tailmax = m;
		ec->curmax = 0.0f;
		ec->blkcnt = 0;
	}
	return ec->xb + ec->xn - L + 1;
}

void gw_echo_process(struct gw_echo *ec, const int16_t *rx_line,
		     const int16_t *tx_ref, int16_t *out, int n)
{
	const int L = ec->taps;
	const float geigel_min = 230.0f; /* about -40 dBm0 peak */
	const double far_min = L * DBM0_TO_POWER(-45.0);
	const double delta = L * DBM0_TO_POWER(-50.0);

	if (n <= 0)
		return;
	/* Tone disabler first: out may be rx_line. */
	if (ec->disabler_on) {
		modem_connect_tones_rx(ec->tone_rx, rx_line, n);
		modem_connect_tones_rx(ec->tone_tx, tx_ref, n);
	}

	for (int i = 0; i < n; i++) {
		float x = tx_ref[i], draw = rx_line[i];
		const float *xw = push_far(ec, x);
		float d = ec->hpf_on ? hpf(ec, draw) : draw;
		float fmax = ec->tailmax > ec->curmax ? ec->tailmax
						       : ec->curmax;
		bool far = ec->xe > far_min;
		float yb, yf, gn, eb, ef, o;

		ec->fraw += (double)draw * draw;
		ec->fx += (double)x * x;
		if (ec->bypass || ec->dis == GW_ECHO_DISABLER_BYPASS) {
			out[i] = rx_line[i];
			ec->kpend = 0.0f;
			ec->nlp_supp = false;
			ec->nlp_gain = 1.0f;
			if (++ec->fpos == FRAME)
				frame_end(ec);
			continue;
		}

		/*
		 * Double talk. "res": both filters' residuals are above a
		 * tenth of their echo estimates (near-end speech, or a
		 * signal the filters have not learned yet): no copies, no
		 * statistics. "dt" (step down 18 dB, NLP off) needs res and
		 * Geigel: at 0 dB until converged (an unconverged path may
		 * have any peak gain), then at the measured mean echo gain,
		 * so that a syllable at new frequencies does not stall the
		 * adaptation.
		 */
		bool bg_poor = ec->pb_s > 0.1f * ec->pyb_s + ec->dt_floor;
		bool fg_poor = ec->pe_s > 0.1f * ec->py_s + ec->dt_floor;
		bool res = bg_poor && (!ec->converged || fg_poor);

		if (res)
			ec->res_hang = DT_HANG;
		else if (ec->res_hang > 0)
			ec->res_hang--;
		if (res && (ec->converged ? fabsf(d) > fmax * ec->geigel_thr
					  : (fmax > geigel_min &&
					     fabsf(d) > fmax)))
			ec->dt_hang = DT_HANG;
		else if (ec->dt_hang > 0)
			ec->dt_hang--;
		bool dt = ec->dt_hang > 0;
		if (dt && far)
			ec->dt_samples++;

		yf = ec->dot(xw + ec->fg_lo, ec->wf + ec->fg_lo, ec->fg_len);
		ef = d - yf;
		ec->pe_s += (ef * ef - ec->pe_s) * (1.0f / 64);
		ec->py_s += (yf * yf - ec->py_s) * (1.0f / 64);

		/*
		 * The background runs every ADAPT_EVERY samples: update with
		 * the error and window of its last run, then filter.
		 */
		if (ec->phase == 0) {
			if (ec->kpend != 0.0f) {
				ec->adapt(xw, xw - ADAPT_EVERY, ec->wb, ec->g,
					  ec->kpend, L, &yb, &gn);
				if (++ec->gain_count == GAIN_UPDATE) {
					update_gains(ec);
					ec->gain_count = 0;
				}
			} else {
				ec->filter2(xw, ec->wb, ec->g, L, &yb, &gn);
			}
			eb = d - yb;
			ec->pb_s += (eb * eb - ec->pb_s) * (1.0f / 32);
			ec->pyb_s += (yb * yb - ec->pyb_s) * (1.0f / 32);
			ec->fb += (double)eb * eb;
			ec->fes += (double)ef * ef;
			if (!ec->frozen && far) {
				float mu = ec->converged ? MU_SLOW : MU_FAST;

				if (dt)
					mu *= 1.0f / 8;
				ec->kpend = (float)(mu * eb / (gn + delta));
			} else {
				ec->kpend = 0.0f;
			}
		}
		if (++ec->phase == ADAPT_EVERY)
			ec->phase = 0;

		/* NLP: comfort noise while only the far end talks. */
		ec->nlp_supp = ec->nlp_on &&
			       ec->dis == GW_ECHO_DISABLER_IDLE && far &&
			       !dt;
		if (ec->nlp_supp) {
			if (ec->nlp_gain > 0.0f)
				ec->nlp_gain -= NLP_RAMP;
			if (ec->nlp_gain < 0.0f)
				ec->nlp_gain = 0.0f;
		} else if (ec->nlp_gain < 1.0f) {
			ec->nlp_gain += 4.0f * NLP_RAMP;
			if (ec->nlp_gain > 1.0f)
				ec->nlp_gain = 1.0f;
		}
		if (ec->nlp_gain < 1.0f) {
			float u = (float)(int32_t)xorshift(&ec->rng) *
				  (1.0f / 2147483648.0f);

			o = ec->nlp_gain * ef +
			    (1.0f - ec->nlp_gain) * ec->cng_amp * u;
		} else {
			o = ef;
		}
		out[i] = sat16(o);

		ec->fd += (double)d * d;
		ec->fe += (double)ef * ef;
		ec->fo += (double)o * o;
		ec->fdt |= dt || (ec->converged && ec->res_hang > 0);
		if (++ec->fpos == FRAME)
			frame_end(ec);
	}
}
