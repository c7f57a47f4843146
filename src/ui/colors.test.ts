import { describe, expect, it } from 'vitest';
import { layerColor, layerColorAlpha, layerHue, layerTint } from './colors';

// Ground truth: WCAG 2.1 relative luminance and contrast ratio, computed here
// from the hex string independently of colors.ts.
function luminance(hex: string): number {
  const ch = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const lin = ch.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}
const contrast = (a: string, b: string) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
/** Backgrounds of theme.css (light and dark). */
const LIGHT_BG = '#ffffff';
const DARK_BG = '#14171c';
const dist = (a: string, b: string) => {
  const p = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16));
  const q = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16));
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
};

describe('layerColor', () => {
  it('returns #rrggbb colors with ≥ 3:1 contrast on both theme backgrounds', () => {
    for (const count of [1, 2, 3, 5, 8, 14, 30, 127]) {
      for (let i = 0; i < count; i++) {
        const c = layerColor(i, count);
        expect(c).toMatch(/^#[0-9a-f]{6}$/);
        expect(contrast(c, LIGHT_BG)).toBeGreaterThanOrEqual(3);
        expect(contrast(c, DARK_BG)).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it('gives every layer of a stack its own color, neighbours clearly apart', () => {
    for (const count of [2, 5, 14, 40]) {
      const colors = Array.from({ length: count }, (_, i) => layerColor(i, count));
      expect(new Set(colors).size).toBe(count);
      for (let i = 1; i < count; i++) expect(dist(colors[i], colors[i - 1])).toBeGreaterThan(25);
    }
  });

  it('keeps base and top apart (hues do not wrap around)', () => {
    for (const count of [3, 14]) expect(dist(layerColor(0, count), layerColor(count - 1, count))).toBeGreaterThan(80);
    expect(layerHue(0, 14)).not.toBe(layerHue(13, 14));
  });

  it('clamps out-of-range indexes and is deterministic', () => {
    expect(layerColor(-1, 4)).toBe(layerColor(0, 4));
    expect(layerColor(9, 4)).toBe(layerColor(3, 4));
    expect(layerColor(2, 4)).toBe(layerColor(2, 4));
    expect(layerColor(0, 0)).toBe(layerColor(0, 1));
  });

  it('derives alpha and tint variants from the same color', () => {
    expect(layerColorAlpha(1, 3, 0.5)).toBe(layerColor(1, 3) + '80');
    expect(layerTint(1, 3)).toContain(layerColor(1, 3));
    expect(layerTint(1, 3)).toContain('var(--bg)');
  });
});
