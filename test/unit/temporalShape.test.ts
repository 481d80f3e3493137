// TEMPORAL_SHAPE picks the Temporal of `npm start` and the billing-run benchmark: the dev server unless told, and a
// value it does not know stops the start with the ones it does, instead of quietly running the default.
import { describe, expect, it } from 'vitest';
import { temporalShape } from '../../scripts/lib/temporalShape.js';

describe('TEMPORAL_SHAPE', () => {
  it('is the dev server when unset or empty, and postgres when asked', () => {
    expect(temporalShape({})).toBe('dev');
    expect(temporalShape({ TEMPORAL_SHAPE: '' })).toBe('dev');
    expect(temporalShape({ TEMPORAL_SHAPE: 'postgres' })).toBe('postgres');
  });

  it('refuses a value it does not know, naming the ones it does', () => {
    expect(() => temporalShape({ TEMPORAL_SHAPE: 'postgresql' })).toThrow(
      'TEMPORAL_SHAPE=postgresql is not one of dev, postgres',
    );
  });
});
