/** The originals budget as the person types it (in GB, 1 GB = 1024³ bytes) and as Rust keeps it (bytes). */

export const GB = 1024 ** 3
export const DEFAULT_BUDGET_BYTES = 2 * GB
export const MIN_BUDGET_GB = 0.5
export const MAX_BUDGET_GB = 1024

/** Bytes → the GB the field shows ("2", "1.5"). */
export function budgetToField(bytes: number): string {
  return String(Math.round((bytes / GB) * 100) / 100)
}

/** The field → bytes, or `null` when it is not a size from `MIN_BUDGET_GB` to `MAX_BUDGET_GB`. */
export function parseBudget(text: string): number | null {
  const normalised = text.trim().replace(',', '.')
  if (!/^\d+(\.\d+)?$/.test(normalised)) return null
  const gb = Number(normalised)
  if (!Number.isFinite(gb) || gb < MIN_BUDGET_GB || gb > MAX_BUDGET_GB) return null
  return Math.round(gb * GB)
}
