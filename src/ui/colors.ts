/**
 * Layer colors, shared by the stack diagram, the tree (owner-layer swatches),
 * the details pane and the teaching views, so a layer has one color everywhere.
 *
 * Design:
 * - A layer's color depends on its index only, never on how many layers the
 *   stack has: starting a container or committing a layer adds colors above
 *   and changes none below ("the purple layer" stays purple in a class).
 * - Hues step by HUE_STEP degrees from blue (the base) through teal, green,
 *   yellow, orange, red and magenta; the step is not a divisor of 360, so after
 *   one turn the hues fall between the earlier ones instead of repeating them.
 * - Lightness cycles through three luminance levels, so neighbouring bands stay
 *   distinguishable, and layers one hue-turn apart (i and i + 8, whose hues are
 *   close) differ in lightness as well.
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
/**
 * Degrees of hue from one layer to the next: 47° puts seven clearly different
 * hues on the first seven layers; 47 and 360 share no factor, so the hue
 * sequence only repeats after 360 layers.
 */
export const HUE_STEP = 47;
/** Chroma aimed for; reduced per hue when it would fall outside the sRGB gamut. */
const TARGET_CHROMA = 0.15;
/**
 * Relative-luminance targets cycled over the layers (index mod 3). All sit inside
 * [LUMINANCE_MIN, LUMINANCE_MAX] with margin; three levels (not two) so that
 * layers i and i + 8, whose hues are only 16° apart, differ in lightness.
 */
const LUMINANCE_LEVELS = [0.15, 0.245, 0.195] as const;
/** Lightest allowed: (1.05 / (0.3 + 0.05)) = 3.0:1 against white. */
export const LUMINANCE_MAX = 0.3;
/** Darkest allowed: (0.13 + 0.05) / (0.0085 + 0.05) = 3.08:1 against #14171c (luminance ≈ 0.0085). */
export const LUMINANCE_MIN = 0.13;
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

/** Hue (OKLCH degrees) of layer `index` (0 = bottom): the same whatever the stack's height. */
export function layerHue(index: number): number {
  const i = Math.max(0, Math.floor(index));
  // Decreasing hue: blue → teal → green → yellow → orange → red → magenta → violet…
  return (((BASE_HUE - i * HUE_STEP) % 360) + 360) % 360;
}

const cache = new Map<number, string>();

/**
 * The color of layer `index` (0 = bottom) as a `#rrggbb` string readable
 * (≥ 3:1) on both the light and the dark background. It depends on the index
 * alone (see the design notes above); negative indexes ("no layer") give layer 0's.
 */
export function layerColor(index: number): string {
  const i = Math.max(0, Math.floor(Number.isFinite(index) ? index : 0));
  let c = cache.get(i);
  if (c === undefined) {
    c = hex(colorAtLuminance(layerHue(i), LUMINANCE_LEVELS[i % LUMINANCE_LEVELS.length]!));
    cache.set(i, c);
  }
  return c;
}

/** `#rrggbbaa`: the layer color with opacity `alpha` (0..1). */
export function layerColorAlpha(index: number, alpha: number): string {
  const a = Math.round(Math.min(1, Math.max(0, alpha)) * 255);
  return layerColor(index) + a.toString(16).padStart(2, '0');
}

/**
 * A soft fill for surfaces that carry var(--fg) text: the layer color mixed
 * into the theme background (so it follows light/dark automatically).
 * `percent` of the layer color, default LAYER_TINT_PERCENT.
 */
export const LAYER_TINT_PERCENT = 22;
export function layerTint(index: number, percent = LAYER_TINT_PERCENT): string {
  return `color-mix(in srgb, ${layerColor(index)} ${percent}%, var(--bg))`;
}
