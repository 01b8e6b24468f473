// Numeric comparison for oracle tests.

/** max |a − ref| / max(1, max |ref|): the error relative to the reference's scale. Throws when the
 *  lengths differ. */
export function relErr(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (a.length !== ref.length) throw new Error(`length ${a.length} vs reference ${ref.length}`);
  let scale = 1, err = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]));
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(a[i] - ref[i]));
  return err / scale;
}
