import { describe, expect, it } from 'vitest';
import { LUMINANCE_MAX, LUMINANCE_MIN, layerColor, layerColorAlpha, layerHue, layerTint } from './colors';

// Ground truth: WCAG 2.1 relative luminance and contrast ratio, computed here
// from the hex string independently of colors.ts.
function luminance(hex: string): number {
  const ch = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const lin = ch.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * lin[0]! + 0.7152 * lin[1]! + 0.0722 * lin[2]!;
}
const contrast = (a: string, b: string) => {
  const [x = 0, y = 0] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
/** Backgrounds of theme.css (light and dark). */
const LIGHT_BG = '#ffffff';
const DARK_BG = '#14171c';
const dist = (a: string, b: string) => {
  const p = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16));
  const q = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16));
  return Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!);
};

describe('layerColor', () => {
  it('keeps every color inside the luminance band that guarantees 3:1 on both backgrounds', () => {
    expect((LUMINANCE_MIN + 0.05) / (luminance(DARK_BG) + 0.05)).toBeGreaterThanOrEqual(3);
    expect(1.05 / (LUMINANCE_MAX + 0.05)).toBeGreaterThanOrEqual(3);
  });

  it('returns #rrggbb colors with ≥ 3:1 contrast on both theme backgrounds', () => {
    for (let i = 0; i < 400; i++) {
      const c = layerColor(i);
      expect(c).toMatch(/^#[0-9a-f]{6}$/);
      expect(contrast(c, LIGHT_BG)).toBeGreaterThanOrEqual(3);
      expect(contrast(c, DARK_BG)).toBeGreaterThanOrEqual(3);
    }
  });

  it('gives every layer of a deep stack its own color, neighbours clearly apart', () => {
    const colors = Array.from({ length: 127 }, (_, i) => layerColor(i));
    expect(new Set(colors).size).toBe(colors.length);
    for (let i = 1; i < colors.length; i++) expect(dist(colors[i]!, colors[i - 1]!)).toBeGreaterThan(25);
    // Within one turn of hues (8 layers), any two layers are told apart at a glance.
    for (let i = 0; i < 8; i++) for (let j = i + 1; j < 8; j++) expect(dist(colors[i]!, colors[j]!), `${i} vs ${j}`).toBeGreaterThan(30);
  });

  it('depends on the index only: a layer added on top changes no color below', () => {
    // The old scheme spread hues over the stack height, so a container layer recolored 2–4.
    const before = [0, 1, 2, 3, 4].map((i) => layerColor(i));
    layerColor(5);
    expect([0, 1, 2, 3, 4].map((i) => layerColor(i))).toEqual(before);
    expect(layerHue(3)).toBe(layerHue(3));
    expect(layerHue(1)).not.toBe(layerHue(0));
  });

  it('clamps odd indexes and is deterministic', () => {
    expect(layerColor(-1)).toBe(layerColor(0));
    expect(layerColor(2.7)).toBe(layerColor(2));
    expect(layerColor(Number.NaN)).toBe(layerColor(0));
  });

  it('derives alpha and tint variants from the same color', () => {
    expect(layerColorAlpha(1, 0.5)).toBe(layerColor(1) + '80');
    expect(layerTint(1)).toContain(layerColor(1));
    expect(layerTint(1)).toContain('var(--bg)');
  });
});
