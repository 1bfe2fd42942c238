/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plc: packet loss concealment for 8 kHz line audio, one state per channel.
 *
 * What it does: every frame that arrives goes through gw_plc_process(),
 * which keeps a short history (and, after a loss, cross-fades the first
 * good samples into the synthetic signal); for a frame that did not arrive
 * gw_plc_fillin() writes a replacement. The replacement repeats the last
 * pitch period found in the history (overlap-added at the joins), fading
 * out linearly from the first concealed sample: after 50 ms (400 samples)
 * of consecutive loss it is silence, so a long gap does not become a drone.
 *
 * How: spandsp's plc_rx()/plc_fillin() (after Steve Underwood's
 * implementation of the ITU-T G.711 Appendix I idea: AMDF pitch search
 * over 40..120 samples, pitch-period repetition, 0.25 %/sample
 * attenuation). The state lives inside struct gw_plc: no allocation after
 * gw_plc_alloc().
 * Specs: ITU-T G.711 Appendix I (the method, not bit-exact).
 */
#ifndef GW_DSP_PLC_H
#define GW_DSP_PLC_H

#include <stdint.h>

struct gw_plc;

int gw_plc_alloc(struct gw_plc **ret);
void gw_plc_free(struct gw_plc *plc);
/* Forget the history (new call or stream). */
void gw_plc_reset(struct gw_plc *plc);
/* A received frame: amp is read, and modified only in the first samples
 * after a loss (cross-fade). Returns samples. */
int gw_plc_process(struct gw_plc *plc, int16_t *amp, int samples);
/* A lost frame: writes `samples` concealment samples. Returns samples. */
int gw_plc_fillin(struct gw_plc *plc, int16_t *amp, int samples);

#endif
