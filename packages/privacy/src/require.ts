// Argument checks shared by the accountant and the samplers: each names the field it refuses.

/** Throws a RangeError naming `field` unless `value` is a finite number greater than zero. */
export function requirePositive(field: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${field} must be a finite number > 0, got ${value}`);
  }
}

/** Throws a RangeError naming `field` unless `value` is a finite number ≥ 0. */
export function requireNonNegative(field: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${field} must be a finite number ≥ 0, got ${value}`);
  }
}

/** Throws a RangeError naming `field` unless `value` is an integer ≥ `min`. */
export function requireInteger(field: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${field} must be an integer ≥ ${min}, got ${value}`);
  }
}

/** Throws a RangeError naming `field` unless `value` lies in the open interval (0, 1). */
export function requireOpenUnit(field: string, value: number): void {
  if (!(value > 0 && value < 1)) {
    throw new RangeError(`${field} must lie in (0, 1), got ${value}`);
  }
}
