/**
 * Layer colors, shared by the stack diagram, the tree (owner-layer swatches),
 * the details pane and the teaching views, so a layer has one color everywhere.
 *
 * Design:
 * - Hues are spread over the stack from blue (base) through teal, green, yellow,
 *   orange and red to magenta (top), over HUE_SPAN degrees rather than a full
 *   circle, so the top and the base never look alike and the stack reads as a
 *   gradient from cool (old, base image) to warm (recent steps).
 * - Neighbouring layers alternate between two luminance levels, so adjacent
 *   bands stay distinguishable even when a deep stack makes their hues close.
 * - One concrete color serves both themes: every color's WCAG 2.x relative
 *   luminance is held inside [LUMINANCE_MIN, LUMINANCE_MAX], which gives at least
 *   3:1 contrast (WCAG 2.1 SC 1.4.11, non-text contrast) against both the light
 *   (#ffffff) and the dark (#14171c) page background of theme.css. A concrete
 *   hex string (not a var()/light-dark() expression) also works in SVG
 *   presentation attributes, canvas and color-mix().
 * - Text is never drawn on the saturated color: components use it for stripes,
 *   swatches and outlines, and mix it with var(--bg) (see layerTint) for fills
 *   that carry var(--fg) text.
 *
 * Colors are computed in OKLCH (perceptually even hue steps) and converted to
 * sRGB (Björn Ottosson's OKLab matrices, https://bottosson.github.io/posts/oklab/).
 */

/** Hue of the bottom (base) layer, degrees in OKLCH: a calm blue. */
const BASE_HUE = 255;
/** Degrees of hue covered from base to top: < 360 so top and base stay apart. */
const HUE_SPAN = 290;
/** Chroma aimed for; reduced per hue when it would fall outside the sRGB gamut. */
const TARGET_CHROMA = 0.15;
/**
 * Relative-luminance targets alternated between neighbouring layers. Both sit
 * inside [LUMINANCE_MIN, LUMINANCE_MAX] with margin.
 */
const LUMINANCE_LEVELS = [0.15, 0.23] as const;
/** Lightest allowed: (1.05 / (0.3 + 0.05)) = 3.0:1 against white. */
export const LUMINANCE_MAX = 0.3;
/** Darkest allowed: 3.0:1 against #14171c (luminance ≈ 0.0085), with margin. */
export const LUMINANCE_MIN = 0.085;
/** Bisection steps for lightness and chroma: 2^-24 is far below one 8-bit step. */
const SEARCH_STEPS = 24;

type Rgb = [number, number, number];

/** OKLCH → linear-light sRGB (may fall outside [0, 1] when out of gamut). */
function oklchToLinear(l: number, c: number, hDeg: number): Rgb {
  const h = (hDeg * Math.PI) / 180;
  const a = c * Math.cos(h);
  const b = c * Math.sin(h);
  const l_ = l + 0.3963377774 * a + 0.2158037573 * b;
  const m_ = l - 0.1055613458 * a - 0.0638541728 * b;
  const s_ = l - 0.0894841775 * a - 1.291485548 * b;
  const L = l_ ** 3;
  const M = m_ ** 3;
  const S = s_ ** 3;
  return [
    4.0767416621 * L - 3.3077115913 * M + 0.2309699292 * S,
    -1.2684380046 * L + 2.6097574011 * M - 0.3413193965 * S,
    -0.0041960863 * L - 0.7034186147 * M + 1.707614701 * S,
  ];
}

const inGamut = (rgb: Rgb) => rgb.every((v) => v >= -1e-7 && v <= 1 + 1e-7);

/** WCAG 2.x relative luminance of linear-light sRGB. */
const luminanceOfLinear = ([r, g, b]: Rgb) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

/** sRGB transfer function (IEC 61966-2-1). */
function encode(v: number): number {
  const x = Math.min(1, Math.max(0, v));
  return x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055;
}

function hex(rgb: Rgb): string {
  return (
    '#' +
    rgb
      .map((v) =>
        Math.round(encode(v) * 255)
          .toString(16)
          .padStart(2, '0'),
      )
      .join('')
  );
}

/** Largest chroma ≤ TARGET_CHROMA that keeps (l, c, h) inside sRGB. */
function maxChroma(l: number, h: number): number {
  if (inGamut(oklchToLinear(l, TARGET_CHROMA, h))) return TARGET_CHROMA;
  let lo = 0;
  let hi = TARGET_CHROMA;
  for (let i = 0; i < SEARCH_STEPS; i++) {
    const mid = (lo + hi) / 2;
    if (inGamut(oklchToLinear(l, mid, h))) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The in-gamut color of hue `h` whose relative luminance is `target`. */
function colorAtLuminance(h: number, target: number): Rgb {
  let lo = 0;
  let hi = 1;
  let best: Rgb = [target, target, target];
  for (let i = 0; i < SEARCH_STEPS; i++) {
    const l = (lo + hi) / 2;
    const rgb = oklchToLinear(l, maxChroma(l, h), h);
    best = rgb;
    if (luminanceOfLinear(rgb) < target) lo = l;
    else hi = l;
  }
  return best;
}

/** Hue (OKLCH degrees) of layer `index` in a stack of `count` layers. */
export function layerHue(index: number, count: number): number {
  if (count <= 1) return BASE_HUE;
  const t = Math.min(1, Math.max(0, index / (count - 1)));
  // Decreasing hue: blue → teal → green → yellow → orange → red → magenta.
  return (((BASE_HUE - t * HUE_SPAN) % 360) + 360) % 360;
}

const cache = new Map<string, string>();

/**
 * The color of layer `index` (0 = bottom) in a stack of `count` layers, as a
 * `#rrggbb` string readable (≥ 3:1) on both the light and the dark background.
 * Out-of-range indexes are clamped, so callers may pass -1 for "no layer".
 */
export function layerColor(index: number, count: number): string {
  const n = Math.max(1, Math.floor(count));
  const i = Math.min(n - 1, Math.max(0, Math.floor(index)));
  const key = `${i}/${n}`;
  let c = cache.get(key);
  if (c === undefined) {
    c = hex(colorAtLuminance(layerHue(i, n), LUMINANCE_LEVELS[i % LUMINANCE_LEVELS.length]));
    cache.set(key, c);
  }
  return c;
}

/** `#rrggbbaa`: the layer color with opacity `alpha` (0..1). */
export function layerColorAlpha(index: number, count: number, alpha: number): string {
  const a = Math.round(Math.min(1, Math.max(0, alpha)) * 255);
  return layerColor(index, count) + a.toString(16).padStart(2, '0');
}

/**
 * A soft fill for surfaces that carry var(--fg) text: the layer color mixed
 * into the theme background (so it follows light/dark automatically).
 * `percent` of the layer color, default LAYER_TINT_PERCENT.
 */
export const LAYER_TINT_PERCENT = 22;
export function layerTint(index: number, count: number, percent = LAYER_TINT_PERCENT): string {
  return `color-mix(in srgb, ${layerColor(index, count)} ${percent}%, var(--bg))`;
}
