// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * echo: line echo canceller (see echo.h for what and why).
 *
 * The filters are partitioned frequency-domain filters (uniformly
 * partitioned overlap-save, "MDF"): the tail of P x B taps is cut into P
 * partitions of B = 40 taps (5 ms); each partition's 2B-point spectrum
 * multiplies the spectrum of the far-end block it pairs with, so one block
 * of output costs one inverse FFT plus P complex products per bin instead
 * of B x P x B multiply-adds.
 *
 * Block k's output needs the spectrum X_k of far-end blocks k-1 and k. When
 * the caller hands over a whole block at once (the media thread does: its
 * frames are 10, 20 or 30 ms), X_k is computed first and the whole block is
 * filtered in the frequency domain. Otherwise the block is filtered as it
 * comes: the partitions p >= 1 (which need only past blocks) in the
 * frequency domain at the block's start, partition 0 (the current block)
 * as a 40-tap time-domain FIR per sample. Both give the same output; no
 * delay is added either way.
 *
 * Adaptation (background filter only) happens at the end of each block:
 * the block's errors, each already scaled by the step chosen for its
 * sample (full, 18 dB down in double talk, 0 when frozen or the far end
 * is silent), go through one FFT; every partition moves by conj(X) E,
 * normalised per frequency bin by the far-end power over the tail (so a
 * coloured far-end signal converges as fast as white noise) and scaled by
 * a per-partition proportionate gain (IPNLMS over partitions: partitions
 * holding the echo's energy move faster, so the sparse responses of
 * 2-wire hybrids behind a bulk delay converge fast). The gradient
 * constraint (zeroing the circular half of a partition's impulse response)
 * is applied to one partition per block in turn.
 *
 * Everything else (double-talk detection, NLP, comfort noise, statistics,
 * two-path copy decisions every 5 ms frame = one block) runs per sample
 * or per block in plain C. FFTs are FFTW's (single precision, plans made
 * once per process under a lock, executed with the thread-safe new-array
 * interface); the per-bin loops are written as plain loops over 48 bins
 * that GCC vectorizes, built for AVX2+FMA and AVX-512 too and chosen at
 * run time.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>
#include <spandsp.h>

#include "dsp/echo.h"

#define RATE 8000
#define BLK 40			/* partition and block length: 5 ms */
#define NFFT (2 * BLK)		/* 80-point FFTs */
#define NBIN (BLK + 1)		/* bins of a real 80-point FFT */
#define BSTRIDE 48		/* bins padded to a multiple of 16 floats */
#define PMAX ((GW_ECHO_MAX_TAPS + BLK - 1) / BLK)
#define HIST_EXTRA 1024
#define FRAME BLK		/* copy decisions and statistics per block */
#define GEIGEL_BLOCK 32		/* |x| maxima kept per block of samples */
#define NBLK_MAX (PMAX * BLK / GEIGEL_BLOCK + 1)
#define DT_HANG (40 * RATE / 1000)
#define DT_CONFIRM (30 * RATE / 1000) /* res this long before double talk */
#define NLP_RAMP (1.0f / 40)	/* NLP gain change per sample (5 ms) */
/*
 * Geigel threshold before the canceller has converged: 2 dB under the far
 * end's peak. A hybrid that meets G.168's ERL of 6 dB or more does not
 * echo that loud; a near end that talks about as loud as the far end from
 * the start of a call (so that the canceller never sees the far end alone
 * and never converges), or on an echo-free line (which never "converges"
 * either), must still be found talking, or NLP would mute it. (At 0 dB, a
 * near end 1 dB quieter than the far end was muted for the whole call.)
 */
#define GEIGEL_NEW 0.8f
#define RELEASE_MS 250		/* G.164: 250 +- 150 ms */
#define RELEASE_DBM0 (-36.0)	/* both paths below this to release */

/* Mean power of a 0 dBm0 signal on the 16-bit scale (see dsp/level.h). */
#define P0DBM0 (16140.6 * 16140.6)
#define DBM0_TO_POWER(db) (P0DBM0 * pow(10.0, (db) / 10.0))

#define MU_FAST 0.7f		/* background step until converged */
#define MU_SLOW 0.35f		/* and after */
#define IPNLMS_ALPHA 0.8f	/* -1 = uniform ... +1 = proportionate */
#define REG_FLOOR 0.1f		/* step normaliser floor: 10 dB under the mean */
#define NOISE_BIAS 1.4		/* minimum statistics read ~1.5 dB low */
#define COPY_MIN_FRAMES 2	/* at most one copy per 10 ms */

/* Kernels over the bins; n is a multiple of 16 (BSTRIDE). */
typedef void (*filter_fn)(const float *restrict wr, const float *restrict wi,
			  const float *restrict xr, const float *restrict xi,
			  int head, int P, int p0, float *restrict yr,
			  float *restrict yi);
typedef void (*update_fn)(float *restrict wr, float *restrict wi,
			  const float *restrict xr, const float *restrict xi,
			  int head, int P, const float *restrict er,
			  const float *restrict ei, const float *restrict gp);
typedef void (*gpow_fn)(const float *restrict xr, const float *restrict xi,
			int head, int P, const float *restrict gp,
			float *restrict out);
typedef void (*norms_fn)(const float *restrict wr, const float *restrict wi,
			 int P, float *restrict out);

/* A partitioned filter: P rows of BSTRIDE bins, split real/imaginary. */
struct fdfilt {
	float *re, *im;
	float w0[BLK]; /* partition 0 in time, reversed (slow path) */
	bool w0_ok;
};

struct gw_echo {
	int taps; /* P x BLK */
	int P;
	struct fdfilt fg; /* foreground (output) filter */
	struct fdfilt bg; /* background (adapting) filter */
	float *xr, *xi; /* ring of the far-end block spectra, P rows */
	int head; /* row of the newest spectrum */
	float *spow; /* x'Gx per bin: sum of gp |X|^2 over partitions */
	float gp[PMAX]; /* per-partition proportionate gains, mean 1 */
	int cpart; /* next partition to constrain */
	float *xb; /* far-end history (time domain) */
	int xcap, xn, xkeep;
	double xe; /* energy of the current L-sample window */

	/* the current block */
	int bpos;
	bool fast; /* X_k known at the start: all partitions in freq. */
	bool adapting; /* some es[] != 0 */
	float *yf, *yb; /* the filters' outputs (slow: partitions >= 1) */
	float *es; /* step-scaled background errors */
	/* scratch (aligned for FFTW) */
	float *tbuf;
	fftwf_complex *cbuf;
	float *sr, *si;
	int copy_wait; /* frames before the next copy may happen */

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
	float pd_s; /* and of Sin */
	float dt_floor;
	float geigel_thr; /* Geigel threshold once converged (peak gain) */
	int dt_hang;
	int res_hang; /* both filters' residuals high: no copies */
	int res_run; /* samples res has been true in a row */
	bool geigel_seen; /* Geigel fired during this res run */

	/* per-frame sums */
	int fpos;
	double fd, fe, fb, fo, fraw, fx;
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

	filter_fn filter;
	update_fn update;
	norms_fn norms;
	gpow_fn gpow;
};

/* ---- FFTs: one pair of plans per process ------------------------------ */

static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;
static fftwf_plan plan_fwd, plan_inv;

static int plans_make(void)
{
	int ret = 0;

	pthread_mutex_lock(&plan_lock);
	if (!plan_fwd || !plan_inv) {
		float *t = fftwf_alloc_real(NFFT);
		fftwf_complex *c = fftwf_alloc_complex(NBIN);

		if (t && c) {
			plan_fwd = fftwf_plan_dft_r2c_1d(NFFT, t, c,
							 FFTW_ESTIMATE);
			plan_inv = fftwf_plan_dft_c2r_1d(NFFT, c, t,
							 FFTW_ESTIMATE);
		}
		if (!plan_fwd || !plan_inv)
			ret = -ENOMEM;
		fftwf_free(t);
		fftwf_free(c);
	}
	pthread_mutex_unlock(&plan_lock);
	return ret;
}

/* tbuf (NFFT real) -> split spectrum (re, im), padding bins zeroed. */
static void fft_fwd(struct gw_echo *ec, float *restrict re,
		    float *restrict im)
{
	fftwf_execute_dft_r2c(plan_fwd, ec->tbuf, ec->cbuf);
	for (int k = 0; k < NBIN; k++) {
		re[k] = ec->cbuf[k][0];
		im[k] = ec->cbuf[k][1];
	}
	for (int k = NBIN; k < BSTRIDE; k++)
		re[k] = im[k] = 0.0f;
}

/* split spectrum -> tbuf, scaled by 1/NFFT (a true inverse). */
static void fft_inv(struct gw_echo *ec, const float *re, const float *im)
{
	for (int k = 0; k < NBIN; k++) {
		ec->cbuf[k][0] = re[k];
		ec->cbuf[k][1] = im[k];
	}
	fftwf_execute_dft_c2r(plan_inv, ec->cbuf, ec->tbuf);
	for (int j = 0; j < NFFT; j++)
		ec->tbuf[j] *= 1.0f / NFFT;
}

/* ---- vectorizable kernels -------------------------------------------- */

/*
 * KERNELS(suffix, attributes) defines the per-bin loops once per target;
 * the bodies are plain C that GCC vectorizes for the target it is given.
 * Rows are BSTRIDE floats; row r of the spectrum ring pairs with
 * partition p when r = head - p (mod P).
 */
#define KERNELS(sfx, attr)                                                     \
	attr static void filter_##sfx(const float *restrict wr,                \
				      const float *restrict wi,                \
				      const float *restrict xr,                \
				      const float *restrict xi, int head,      \
				      int P, int p0, float *restrict yr,       \
				      float *restrict yi)                      \
	{                                                                      \
		float ar[BSTRIDE] = { 0 }, ai[BSTRIDE] = { 0 };                \
		for (int p = p0; p < P; p++) {                                 \
			int r = head - p < 0 ? head - p + P : head - p;        \
			const float *a = wr + p * BSTRIDE;                     \
			const float *b = wi + p * BSTRIDE;                     \
			const float *c = xr + r * BSTRIDE;                     \
			const float *d = xi + r * BSTRIDE;                     \
			for (int k = 0; k < BSTRIDE; k++) {                    \
				ar[k] += a[k] * c[k] - b[k] * d[k];            \
				ai[k] += a[k] * d[k] + b[k] * c[k];            \
			}                                                      \
		}                                                              \
		for (int k = 0; k < BSTRIDE; k++) {                            \
			yr[k] = ar[k];                                         \
			yi[k] = ai[k];                                         \
		}                                                              \
	}                                                                      \
	attr static void update_##sfx(float *restrict wr, float *restrict wi,  \
				      const float *restrict xr,                \
				      const float *restrict xi, int head,      \
				      int P, const float *restrict er,         \
				      const float *restrict ei,                \
				      const float *restrict gp)                \
	{                                                                      \
		for (int p = 0; p < P; p++) {                                  \
			int r = head - p < 0 ? head - p + P : head - p;        \
			float *a = wr + p * BSTRIDE;                           \
			float *b = wi + p * BSTRIDE;                           \
			const float *c = xr + r * BSTRIDE;                     \
			const float *d = xi + r * BSTRIDE;                     \
			const float g = gp[p];                                 \
			for (int k = 0; k < BSTRIDE; k++) {                    \
				/* conj(X) E */                                \
				a[k] += g * (c[k] * er[k] + d[k] * ei[k]);     \
				b[k] += g * (c[k] * ei[k] - d[k] * er[k]);     \
			}                                                      \
		}                                                              \
	}                                                                      \
	attr static void gpow_##sfx(const float *restrict xr,                  \
				    const float *restrict xi, int head, int P, \
				    const float *restrict gp,                  \
				    float *restrict out)                       \
	{                                                                      \
		float a[BSTRIDE] = { 0 };                                      \
		for (int p = 0; p < P; p++) {                                  \
			int r = head - p < 0 ? head - p + P : head - p;        \
			const float *c = xr + r * BSTRIDE;                     \
			const float *d = xi + r * BSTRIDE;                     \
			const float g = gp[p];                                 \
			for (int k = 0; k < BSTRIDE; k++)                      \
				a[k] += g * (c[k] * c[k] + d[k] * d[k]);       \
		}                                                              \
		for (int k = 0; k < BSTRIDE; k++)                              \
			out[k] = a[k];                                         \
	}                                                                      \
	attr static void norms_##sfx(const float *restrict wr,                 \
				     const float *restrict wi, int P,          \
				     float *restrict out)                      \
	{                                                                      \
		for (int p = 0; p < P; p++) {                                  \
			const float *a = wr + p * BSTRIDE;                     \
			const float *b = wi + p * BSTRIDE;                     \
			float s[16] = { 0 };                                   \
			for (int k = 0; k < BSTRIDE; k += 16)                  \
				for (int j = 0; j < 16; j++)                   \
					s[j] += a[k + j] * a[k + j] +          \
						b[k + j] * b[k + j];           \
			float t = 0.0f;                                        \
			for (int j = 0; j < 16; j++)                           \
				t += s[j];                                     \
			out[p] = t;                                            \
		}                                                              \
	}

KERNELS(generic, )
#if defined(__x86_64__) && defined(__GNUC__)
KERNELS(avx2, __attribute__((target("avx2,fma"))))
KERNELS(avx512, __attribute__((target("avx512f,avx512vl,avx2,fma"))))
#endif

static void pick_kernels(struct gw_echo *ec)
{
	ec->filter = filter_generic;
	ec->update = update_generic;
	ec->norms = norms_generic;
	ec->gpow = gpow_generic;
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("fma")) {
		ec->filter = filter_avx512;
		ec->update = update_avx512;
		ec->norms = norms_avx512;
		ec->gpow = gpow_avx512;
	} else if (__builtin_cpu_supports("avx2") &&
		   __builtin_cpu_supports("fma")) {
		ec->filter = filter_avx2;
		ec->update = update_avx2;
		ec->norms = norms_avx2;
		ec->gpow = gpow_avx2;
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

static void filt_clear(struct gw_echo *ec, struct fdfilt *f)
{
	size_t bytes = sizeof(float) * (size_t)ec->P * BSTRIDE;

	memset(f->re, 0, bytes);
	memset(f->im, 0, bytes);
	memset(f->w0, 0, sizeof(f->w0));
	f->w0_ok = true;
}

static void filt_copy(struct gw_echo *ec, struct fdfilt *to,
		      const struct fdfilt *from)
{
	size_t bytes = sizeof(float) * (size_t)ec->P * BSTRIDE;

	memcpy(to->re, from->re, bytes);
	memcpy(to->im, from->im, bytes);
	memcpy(to->w0, from->w0, sizeof(to->w0));
	to->w0_ok = from->w0_ok;
}

static void state_reset(struct gw_echo *ec)
{
	const int P = ec->P;

	filt_clear(ec, &ec->fg);
	filt_clear(ec, &ec->bg);
	memset(ec->xr, 0, sizeof(float) * (size_t)P * BSTRIDE);
	memset(ec->xi, 0, sizeof(float) * (size_t)P * BSTRIDE);
	memset(ec->spow, 0, sizeof(float) * BSTRIDE);
	ec->head = 0;
	for (int p = 0; p < P; p++)
		ec->gp[p] = 1.0f;
	ec->cpart = 0;
	memset(ec->xb, 0, sizeof(float) * (size_t)ec->xcap);
	ec->xn = ec->xkeep - 1;
	ec->xe = 0.0;
	ec->bpos = 0;
	ec->fast = false;
	ec->adapting = false;
	memset(ec->yf, 0, sizeof(float) * BLK);
	memset(ec->yb, 0, sizeof(float) * BLK);
	memset(ec->es, 0, sizeof(float) * BLK);
	ec->copy_wait = 0;
	ec->hx1 = ec->hx2 = ec->hy1 = ec->hy2 = 0.0f;
	memset(ec->blkmax, 0, sizeof(ec->blkmax));
	ec->blkpos = ec->blkcnt = 0;
	ec->curmax = ec->tailmax = 0.0f;
	ec->pe_s = ec->py_s = 0.0f;
	ec->pb_s = ec->pyb_s = 0.0f;
	ec->pd_s = 0.0f;
	ec->dt_floor = 0.0f;
	ec->geigel_thr = 1.0f;
	ec->dt_hang = 0;
	ec->res_hang = 0;
	ec->res_run = 0;
	ec->geigel_seen = false;
	ec->fd = ec->fe = ec->fb = ec->fo = ec->fraw = ec->fx = 0.0;
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

static int filt_alloc(struct gw_echo *ec, struct fdfilt *f)
{
	f->re = falloc(ec->P * BSTRIDE);
	f->im = falloc(ec->P * BSTRIDE);
	return f->re && f->im ? 0 : -ENOMEM;
}

int gw_echo_alloc(struct gw_echo **ret, int tail_taps)
{
	struct gw_echo *ec;

	if (!ret || tail_taps < 1 || tail_taps > GW_ECHO_MAX_TAPS)
		return -EINVAL;
	if (plans_make() < 0)
		return -ENOMEM;
	ec = calloc(1, sizeof(*ec));
	if (!ec)
		return -ENOMEM;
	ec->P = (tail_taps + BLK - 1) / BLK;
	ec->taps = ec->P * BLK;
	ec->xkeep = ec->taps > NFFT ? ec->taps : NFFT;
	ec->xcap = ec->xkeep + HIST_EXTRA;
	ec->nblk = (ec->taps + GEIGEL_BLOCK - 1) / GEIGEL_BLOCK;
	ec->xr = falloc(ec->P * BSTRIDE);
	ec->xi = falloc(ec->P * BSTRIDE);
	ec->spow = falloc(BSTRIDE);
	ec->xb = falloc(ec->xcap);
	ec->yf = falloc(BLK);
	ec->yb = falloc(BLK);
	ec->es = falloc(BLK);
	ec->tbuf = falloc(NFFT);
	ec->sr = falloc(BSTRIDE);
	ec->si = falloc(BSTRIDE);
	ec->cbuf = fftwf_alloc_complex(NBIN);
	ec->tone_rx = modem_connect_tones_rx_init(
		NULL, MODEM_CONNECT_TONES_ANS_PR, tone_report, ec);
	ec->tone_tx = modem_connect_tones_rx_init(
		NULL, MODEM_CONNECT_TONES_ANS_PR, tone_report, ec);
	if (filt_alloc(ec, &ec->fg) < 0 || filt_alloc(ec, &ec->bg) < 0 ||
	    !ec->xr || !ec->xi || !ec->spow || !ec->xb || !ec->yf ||
	    !ec->yb || !ec->es || !ec->tbuf || !ec->sr || !ec->si ||
	    !ec->cbuf || !ec->tone_rx || !ec->tone_tx) {
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
	free(ec->fg.re);
	free(ec->fg.im);
	free(ec->bg.re);
	free(ec->bg.im);
	free(ec->xr);
	free(ec->xi);
	free(ec->spow);
	free(ec->xb);
	free(ec->yf);
	free(ec->yb);
	free(ec->es);
	free(ec->tbuf);
	free(ec->sr);
	free(ec->si);
	fftwf_free(ec->cbuf);
	free(ec);
}

void gw_echo_set_nlp(struct gw_echo *ec, bool on)
{
	ec->nlp_on = on;
}

void gw_echo_set_freeze(struct gw_echo *ec, bool frozen)
{
	ec->frozen = frozen;
	if (frozen) {
		memset(ec->es, 0, sizeof(float) * BLK);
		ec->adapting = false;
	}
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

/* ---- the block engine ------------------------------------------------- */

/* The newest far-end spectrum (of tbuf) into the ring. */
static void push_spectrum(struct gw_echo *ec)
{
	const int P = ec->P;
	float *re, *im;

	ec->head = ec->head + 1 == P ? 0 : ec->head + 1;
	re = ec->xr + ec->head * BSTRIDE;
	im = ec->xi + ec->head * BSTRIDE;
	fft_fwd(ec, re, im);
}

/* Zero the circular half of partition p's impulse response. */
static void constrain(struct gw_echo *ec, struct fdfilt *f, int p)
{
	float *re = f->re + p * BSTRIDE, *im = f->im + p * BSTRIDE;

	fft_inv(ec, re, im);
	if (p == 0) {
		for (int j = 0; j < BLK; j++)
			f->w0[BLK - 1 - j] = ec->tbuf[j];
		f->w0_ok = true;
	}
	memset(ec->tbuf + BLK, 0, sizeof(float) * BLK);
	fft_fwd(ec, re, im);
}

/*
 * One filter's output for the block: all partitions when X_k is known
 * (fast), else partitions >= 1 (X_k's row is then the one after head).
 */
static void block_filter(struct gw_echo *ec, const struct fdfilt *f,
			 float *y)
{
	int head = ec->head, p0 = 0;

	if (!ec->fast) {
		head = head + 1 == ec->P ? 0 : head + 1;
		p0 = 1;
	}
	ec->filter(f->re, f->im, ec->xr, ec->xi, head, ec->P, p0, ec->sr,
		   ec->si);
	fft_inv(ec, ec->sr, ec->si);
	memcpy(y, ec->tbuf + BLK, sizeof(float) * BLK);
}

static void block_start(struct gw_echo *ec, const int16_t *tx, int avail)
{
	ec->fast = avail >= BLK;
	if (ec->fast) {
		const float *prev = ec->xb + ec->xn - BLK + 1;

		for (int j = 0; j < BLK; j++) {
			ec->tbuf[j] = prev[j];
			ec->tbuf[BLK + j] = tx[j];
		}
		push_spectrum(ec);
	} else {
		/* partition 0 runs in time: its taps, constrained */
		if (!ec->fg.w0_ok)
			constrain(ec, &ec->fg, 0);
		if (!ec->bg.w0_ok)
			constrain(ec, &ec->bg, 0);
	}
	block_filter(ec, &ec->fg, ec->yf);
	block_filter(ec, &ec->bg, ec->yb);
}

static void update_gains(struct gw_echo *ec)
{
	/*
	 * IPNLMS over partitions: g_p = (1 - a)/2 + (1 + a) P |w_p| /
	 * (2 sum |w|), mean 1, |w_p| from the spectrum (Parseval).
	 */
	const int P = ec->P;
	float nrm[PMAX], sum = 0.0f;

	ec->norms(ec->bg.re, ec->bg.im, P, nrm);
	for (int p = 0; p < P; p++) {
		nrm[p] = sqrtf(nrm[p]);
		sum += nrm[p];
	}
	if (sum < 1e-6f) {
		for (int p = 0; p < P; p++)
			ec->gp[p] = 1.0f;
		return;
	}
	for (int p = 0; p < P; p++)
		ec->gp[p] = (1.0f - IPNLMS_ALPHA) / 2.0f +
			    (1.0f + IPNLMS_ALPHA) * (float)P * nrm[p] /
				    (2.0f * sum);
}

static void block_end(struct gw_echo *ec)
{
	const int P = ec->P;
	const float delta = (float)(NFFT * DBM0_TO_POWER(-50.0));
	const float scale = 2.0f / (float)P;
	float mean = 0.0f, reg;

	if (!ec->fast) {
		memcpy(ec->tbuf, ec->xb + ec->xn - NFFT + 1,
		       sizeof(float) * NFFT);
		push_spectrum(ec);
	}
	if (!ec->adapting)
		return;
	/*
	 * E = FFT([0, es]), normalised per bin by x'Gx: the far-end power
	 * over the tail weighted by the proportionate gains, smoothed over
	 * three bins (a short whitening filter: a line spectrum of voiced
	 * speech must not make the gradient ring), plus a floor at
	 * REG_FLOOR of the mean so that bins the far end leaves empty do
	 * not take big steps on noise.
	 */
	memset(ec->tbuf, 0, sizeof(float) * BLK);
	memcpy(ec->tbuf + BLK, ec->es, sizeof(float) * BLK);
	fft_fwd(ec, ec->sr, ec->si);
	ec->gpow(ec->xr, ec->xi, ec->head, P, ec->gp, ec->spow);
	for (int k = 0; k < NBIN; k++)
		mean += ec->spow[k];
	reg = delta + REG_FLOOR * mean / (float)(NBIN * P);
	for (int k = 0; k < NBIN; k++) {
		float lo = ec->spow[k > 0 ? k - 1 : 1];
		float hi = ec->spow[k < NBIN - 1 ? k + 1 : NBIN - 2];
		float sm = (lo + ec->spow[k] + hi) * (1.0f / 3);
		float g = scale / (sm / (float)P + reg);

		ec->sr[k] *= g;
		ec->si[k] *= g;
	}
	ec->update(ec->bg.re, ec->bg.im, ec->xr, ec->xi, ec->head, P, ec->sr,
		   ec->si, ec->gp);
	ec->bg.w0_ok = false;
	constrain(ec, &ec->bg, ec->cpart);
	ec->cpart = ec->cpart + 1 == P ? 0 : ec->cpart + 1;
	update_gains(ec);
	memset(ec->es, 0, sizeof(float) * BLK);
	ec->adapting = false;
}

/* ---- per sample --------------------------------------------------------- */

static void copy_to_foreground(struct gw_echo *ec)
{
	filt_copy(ec, &ec->fg, &ec->bg);
	ec->copies++;
	ec->copy_wait = COPY_MIN_FRAMES;
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
	if (ec->dt_frames >= 2 * RATE / FRAME && ec->fb < 0.25 * ec->fe) {
		ec->fdt = false;
		ec->converged = false;
		ec->dt_frames = 0;
	}
	if (!ec->frozen && !ec->bypass && ec->dis != GW_ECHO_DISABLER_BYPASS &&
	    far && !ec->fdt) {
		if (ec->copy_wait > 0) {
			ec->copy_wait--;
		} else if (ec->fb < 0.7 * ec->fe && ec->fb < ec->fd) {
			copy_to_foreground(ec);
			ec->bad_frames = 0;
		} else if (ec->fb > 4.0 * ec->fe && ec->fe < ec->fd) {
			if (++ec->bad_frames >= 8) {
				filt_copy(ec, &ec->bg, &ec->fg);
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

	ec->fd = ec->fe = ec->fb = ec->fo = ec->fraw = ec->fx = 0.0;
	ec->fdt = false;
}

/* Append one far-end sample to the history (energy, Geigel maxima). */
static inline void push_far(struct gw_echo *ec, float x)
{
	const int L = ec->taps;
	float old, ax;

	if (ec->xn + 1 == ec->xcap) {
		const int keep = ec->xkeep;

		memmove(ec->xb, ec->xb + ec->xcap - keep,
			sizeof(float) * (size_t)keep);
		ec->xn = keep - 1;
		/* re-sum now and then: no drift of the running energy */
		ec->xe = 0.0;
		for (int i = keep - L; i < keep; i++)
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
}

static inline float dot_blk(const float *restrict w, const float *restrict x)
{
	float a[8] = { 0 };

	for (int i = 0; i < BLK; i += 8)
		for (int j = 0; j < 8; j++)
			a[j] += w[i + j] * x[i + j];
	return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
}

void gw_echo_process(struct gw_echo *ec, const int16_t *rx_line,
		     const int16_t *tx_ref, int16_t *out, int n)
{
	const int L = ec->taps;
	const float geigel_min = 230.0f; /* about -40 dBm0 peak */
	const double far_min = L * DBM0_TO_POWER(-45.0);

	if (n <= 0)
		return;
	/* Tone disabler first: out may be rx_line. */
	if (ec->disabler_on) {
		modem_connect_tones_rx(ec->tone_rx, rx_line, n);
		modem_connect_tones_rx(ec->tone_tx, tx_ref, n);
	}

	for (int i = 0; i < n; i++) {
		const int m = ec->bpos;
		float x, draw, d, fmax, yf, yb, eb, ef, o;
		bool far;

		if (m == 0)
			block_start(ec, tx_ref + i, n - i);
		x = tx_ref[i];
		draw = rx_line[i];
		push_far(ec, x);
		d = ec->hpf_on ? hpf(ec, draw) : draw;
		fmax = ec->tailmax > ec->curmax ? ec->tailmax : ec->curmax;
		far = ec->xe > far_min;
		ec->fraw += (double)draw * draw;
		ec->fx += (double)x * x;
		if (ec->bypass || ec->dis == GW_ECHO_DISABLER_BYPASS) {
			out[i] = rx_line[i];
			ec->es[m] = 0.0f;
			ec->nlp_supp = false;
			ec->nlp_gain = 1.0f;
			goto next;
		}
		yf = ec->yf[m];
		yb = ec->yb[m];
		if (!ec->fast) {
			const float *xw = ec->xb + ec->xn - BLK + 1;

			yf += dot_blk(ec->fg.w0, xw);
			yb += dot_blk(ec->bg.w0, xw);
		}

		/*
		 * Double talk. "res": both filters' residuals are above a
		 * tenth of their echo estimates while Sin is louder than
		 * the estimates (near-end speech adds to the echo; a
		 * filter that predicts echo where there is none, e.g. at a
		 * syllable onset after the taps learned a periodic signal
		 * at an alias of the bulk delay, sees a Sin quieter than
		 * its estimate): no copies, no statistics.
		 * "dt" (step down 18 dB, NLP off) needs res without a break
		 * for DT_CONFIRM (30 ms) and a Geigel hit within that run:
		 * at 0 dB until converged (an unconverged path may have any
		 * peak gain), then at the measured mean echo gain. A
		 * far-end syllable at frequencies the filters have not
		 * learned yet also makes res, and its peaks can pass the
		 * Geigel test (the path's gain at those frequencies may
		 * exceed the mean), but the background, still at the full
		 * step, learns it within 10..25 ms and res ends; near-end
		 * speech keeps it. Declaring double talk at once would cut
		 * the step, so the background could not learn the syllable
		 * and res (and dt) would hold themselves for the whole
		 * syllable with NLP off. The cost: NLP lets near-end
		 * speech through 30 ms late.
		 */
		bool bg_poor = ec->pb_s > 0.1f * ec->pyb_s + ec->dt_floor &&
			       ec->pd_s > ec->pyb_s;
		bool fg_poor = ec->pe_s > 0.1f * ec->py_s + ec->dt_floor &&
			       ec->pd_s > ec->py_s;
		bool res = bg_poor && (!ec->converged || fg_poor);

		if (res) {
			ec->res_hang = DT_HANG;
			ec->res_run++;
		} else {
			if (ec->res_hang > 0)
				ec->res_hang--;
			ec->res_run = 0;
			ec->geigel_seen = false;
		}
		if (res && (ec->converged ? fabsf(d) > fmax * ec->geigel_thr
					  : (fmax > geigel_min &&
					     fabsf(d) > GEIGEL_NEW * fmax)))
			ec->geigel_seen = true;
		if (ec->geigel_seen && ec->res_run >= DT_CONFIRM)
			ec->dt_hang = DT_HANG;
		else if (ec->dt_hang > 0)
			ec->dt_hang--;
		bool dt = ec->dt_hang > 0;
		if (dt && far)
			ec->dt_samples++;

		ef = d - yf;
		eb = d - yb;
		ec->pe_s += (ef * ef - ec->pe_s) * (1.0f / 64);
		ec->py_s += (yf * yf - ec->py_s) * (1.0f / 64);
		ec->pb_s += (eb * eb - ec->pb_s) * (1.0f / 64);
		ec->pyb_s += (yb * yb - ec->pyb_s) * (1.0f / 64);
		ec->pd_s += (d * d - ec->pd_s) * (1.0f / 64);
		ec->fb += (double)eb * eb;
		if (!ec->frozen && far) {
			float mu = ec->converged ? MU_SLOW : MU_FAST;

			if (dt)
				mu *= 1.0f / 8;
			ec->es[m] = mu * eb;
			ec->adapting = true;
		} else {
			ec->es[m] = 0.0f;
		}

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
next:
		if (++ec->bpos == BLK) {
			ec->bpos = 0;
			block_end(ec);
			frame_end(ec);
		}
	}
}
