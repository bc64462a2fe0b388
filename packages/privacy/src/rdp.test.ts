import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeRdp, DEFAULT_ORDERS } from './rdp.ts';

const ORDERS = [2, 8, 32, 128, 256];

// Reference RDP values from Opacus's rdp.py (compute_rdp with scipy's binom) run on the same inputs.
const OPACUS_RDP = [
  {
    q: 0.01,
    sigma: 1.0,
    count: 1,
    rdp: [
      1.7181342207453428e-4, 8.936439076060279e-4, 11.246275937048072, 59.358568631445074, 123.37677032308648,
    ],
  },
  {
    q: 0.5,
    sigma: 0.5,
    count: 3,
    rdp: [8.001588265758128, 45.6234953809397, 189.85347969891114, 765.9041849028738, 1533.9124037856077],
  },
  {
    q: 0.9,
    sigma: 2.0,
    count: 100,
    rdp: [20.706342631514346, 90.18665848653313, 389.1290171423881, 1589.3809873982666, 3189.42263058494],
  },
  {
    q: 1e-3,
    sigma: 0.8,
    count: 1,
    rdp: [
      3.7707260727689296e-6, 1.7707299049079582e-5, 17.869413905566823, 93.0378529471676, 193.06515548462966,
    ],
  },
];

describe(computeRdp.name, () => {
  it.each(OPACUS_RDP)(
    'matches Opacus for q=$q σ=$sigma × $count steps',
    ({ q, sigma, count, rdp: expected }) => {
      const rdp = computeRdp({ sampleRate: q, noiseMultiplier: sigma, count }, ORDERS);
      rdp.forEach((value, i) => expect(value / (expected[i] ?? NaN)).toBeCloseTo(1, 9));
    },
  );

  it('without subsampling is the Gaussian mechanism in closed form, α·steps / (2σ²)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        fc.integer({ min: 0, max: 10_000 }),
        (noiseMultiplier, count) => {
          const rdp = computeRdp({ sampleRate: 1, noiseMultiplier, count }, ORDERS);
          ORDERS.forEach((order, i) => {
            const closedForm = (order * count) / (2 * noiseMultiplier ** 2);
            expect(Math.abs((rdp[i] ?? NaN) - closedForm)).toBeLessThanOrEqual(1e-12 * closedForm);
          });
        },
      ),
    );
  });

  it('approaches the closed form as the sample rate approaches 1', () => {
    const nearOne = computeRdp({ sampleRate: 1 - 1e-9, noiseMultiplier: 2, count: 1 }, ORDERS);
    ORDERS.forEach((order, i) => expect(nearOne[i]).toBeCloseTo(order / 8, 5));
  });

  it('stays finite where the binomial coefficients alone would overflow', () => {
    const rdp = computeRdp({ sampleRate: 0.3, noiseMultiplier: 0.05, count: 1 }, [4096]);
    expect(Number.isFinite(rdp[0])).toBe(true);
    expect(rdp[0]).toBeGreaterThan(0);
  });

  it('states its default orders: every integer from 2 to 256', () => {
    expect(DEFAULT_ORDERS).toHaveLength(255);
    expect(DEFAULT_ORDERS[0]).toBe(2);
    expect(DEFAULT_ORDERS.at(-1)).toBe(256);
  });

  it.each([
    [{ sampleRate: 0, noiseMultiplier: 1, count: 1 }, 'sampleRate'],
    [{ sampleRate: 1.5, noiseMultiplier: 1, count: 1 }, 'sampleRate'],
    [{ sampleRate: Number.NaN, noiseMultiplier: 1, count: 1 }, 'sampleRate'],
    [{ sampleRate: 0.1, noiseMultiplier: 0, count: 1 }, 'noiseMultiplier'],
    [{ sampleRate: 0.1, noiseMultiplier: -1, count: 1 }, 'noiseMultiplier'],
    [{ sampleRate: 0.1, noiseMultiplier: 1, count: 2.5 }, 'count'],
    [{ sampleRate: 0.1, noiseMultiplier: 1, count: -1 }, 'count'],
  ])('refuses %o naming %s', (step, field) => {
    expect(() => computeRdp(step, ORDERS)).toThrow(RangeError);
    expect(() => computeRdp(step, ORDERS)).toThrow(field);
  });

  it.each([[[]], [[1.5]], [[1]], [[5000]]])('refuses orders %o', (orders) => {
    const step = { sampleRate: 0.1, noiseMultiplier: 1, count: 1 };
    expect(() => computeRdp(step, orders)).toThrow(/orders/);
  });
});
