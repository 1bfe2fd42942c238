// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * echo: the hybrid echo path of a simulated line (see echo.h).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>
#include <spandsp/g168models.h>

#include "linesim/echo.h"

static const struct {
	const int32_t *coeffs;
	int taps;
} models[] = {
#define M(x) { x, (int)(sizeof(x) / sizeof(x[0])) }
	M(line_model_d2_coeffs), M(line_model_d3_coeffs),
	M(line_model_d4_coeffs), M(line_model_d5_coeffs),
	M(line_model_d6_coeffs), M(line_model_d7_coeffs),
	M(line_model_d8_coeffs), M(line_model_d9_coeffs),
#undef M
};

int ls_echo_set(struct ls_echo *e, int model, float erl_db, int delay_ms)
{
	double energy = 0, scale;
	int taps;

	if (model < 2 || model > 9 || !(erl_db >= 0 && erl_db <= 60) ||
	    delay_ms < 0 || delay_ms > LS_ECHO_MAX_DELAY_MS)
		return -EINVAL;
	taps = models[model - 2].taps;
	if (taps > LS_ECHO_MAX_TAPS)
		return -EINVAL;
	for (int i = 0; i < taps; i++)
		energy += (double)models[model - 2].coeffs[i] *
			  models[model - 2].coeffs[i];
	scale = pow(10.0, -erl_db / 20.0) / sqrt(energy);
	memset(e->h, 0, sizeof(e->h));
	for (int i = 0; i < taps; i++)
		e->h[i] = (float)(models[model - 2].coeffs[i] * scale);
	e->taps = taps;
	e->model = model;
	e->erl_db = erl_db;
	e->delay_ms = delay_ms;
	e->on = true;
	return 0;
}

void ls_echo_off(struct ls_echo *e)
{
	e->on = false;
}

void ls_echo_process(struct ls_echo *e, const int16_t *in, int16_t *out,
		     int n, bool connected)
{
	const unsigned mask = LS_ECHO_HIST - 1;
	const unsigned delay = (unsigned)e->delay_ms * 8;

	for (int i = 0; i < n; i++) {
		e->hist[e->pos & mask] = in[i];
		if (e->on && connected) {
			float acc = 0;
			unsigned base = e->pos - delay;
			for (int k = 0; k < e->taps; k++)
				acc += e->h[k] * e->hist[(base - (unsigned)k) & mask];
			float v = out[i] + acc;
			out[i] = (int16_t)(v > 32767 ? 32767 :
					   v < -32768 ? -32768 : lrintf(v));
		}
		e->pos++;
	}
}

void ls_echo_name(const struct ls_echo *e, char *buf, int len)
{
	if (!e->on)
		snprintf(buf, (size_t)len, "off");
	else
		snprintf(buf, (size_t)len, "d%d,%gdB,%dms", e->model,
			 (double)e->erl_db, e->delay_ms);
}

int ls_echo_parse(struct ls_echo *e, const char *spec)
{
	char *end;
	long model, delay = 0;
	double erl;

	if (*spec == 'd' || *spec == 'D')
		spec++;
	model = strtol(spec, &end, 10);
	if (end == spec || *end != ':')
		return -EINVAL;
	spec = end + 1;
	erl = strtod(spec, &end);
	if (end == spec || (*end && *end != ':'))
		return -EINVAL;
	if (*end) {
		spec = end + 1;
		delay = strtol(spec, &end, 10);
		if (end == spec || *end)
			return -EINVAL;
	}
	return ls_echo_set(e, (int)model, (float)erl, (int)delay);
}
